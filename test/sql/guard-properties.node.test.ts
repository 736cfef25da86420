import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/http/errors";
import { type GuardedSql, guardSql } from "../../src/sql/guard";
import { isReadableSystemTable, isReservedName } from "../../src/sql/sql-names";
import { type Generated, mustRefuse, statement, tokenSoup, write } from "./sql-arbitraries";

const RUNS = 200;

/** The guard's answer, or the 4xx it refused with; anything else fails the property at once. */
function attempt(sql: string): { ok: GuardedSql } | { refused: ApiError } {
  try {
    return { ok: guardSql(sql) };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status < 400 || err.status >= 500) throw new Error(`guard threw ${String(err)} for ${sql}`, { cause: err });
    return { refused: err };
  }
}

/** What no successful guard answer may ever contain, whatever the input. */
function expectNothingRefusedLetThrough(guarded: GuardedSql) {
  for (const table of guarded.tables) {
    if (table.access === "read") expect(!isReservedName(table.name) || isReadableSystemTable(table.name), table.name).toBe(true);
    else expect(isReservedName(table.name), table.name).toBe(false);
  }
}

function expectModel(g: Generated) {
  const result = attempt(g.sql);
  if (mustRefuse(g)) {
    expect("refused" in result, `let through: ${g.sql}`).toBe(true);
    if ("refused" in result) expect([400, 403]).toContain(result.refused.status);
    return;
  }
  if ("refused" in result) throw new Error(`refused ${g.sql}: ${result.refused.message}`);
  const guarded = result.ok;
  expect(guarded.kind, g.sql).toBe(g.kind);
  const reported = new Set(guarded.tables.map((t) => `${t.access === "read" ? "read" : "change"}:${t.name}`));
  for (const name of g.reads) expect(reported, `${g.sql} reads ${name}`).toContain(`read:${name}`);
  for (const name of g.writes) expect(reported, `${g.sql} changes ${name}`).toContain(`change:${name}`);
  expectNothingRefusedLetThrough(guarded);
}

describe("SQL guard properties", () => {
  it("classifies generated statements, finds every table they touch, and refuses every refused table", () => {
    fc.assert(fc.property(statement, expectModel), { numRuns: RUNS });
  });

  it("never classifies a write as a read, whatever wraps or disguises it", () => {
    fc.assert(
      fc.property(write, (g) => {
        const result = attempt(g.sql);
        if ("ok" in result) expect(result.ok.kind).toBe("write");
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses any chain of statements, whatever separates them", () => {
    const separator = fc.constantFrom(";", " ; ", ";\n", "; -- x\n", "/* c */;", ";/*;*/");
    fc.assert(
      fc.property(statement, separator, statement, (first, sep, second) => {
        const result = attempt(`${first.sql}${sep}${second.sql}`);
        expect("refused" in result).toBe(true);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it("answers noise, unicode and half-statements only with a 4xx or a harmless analysis", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, fc.string({ unit: "binary", maxLength: 80 })), (sql) => {
        const result = attempt(sql);
        if ("ok" in result) expectNothingRefusedLetThrough(result.ok);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses known-malicious statements", () => {
    const malicious = [
      "SELECT * FROM _agent_keys",
      "select * from \"_agent_keys\"",
      "SELECT * FROM [_agent_keys]",
      "SELECT * FROM `_agent_keys`",
      "SELECT * FROM main._agent_keys",
      "SELECT * FROM \"main\".\"_AGENT_KEYS\"",
      "SELECT * FROM temp.items",
      "SELECT * FROM items /* ; */ ; DROP TABLE items",
      "SELECT 1 -- harmless\n; DELETE FROM items",
      "WITH x AS (SELECT 1) DELETE FROM _memory",
      "WITH items AS (SELECT * FROM _agent_keys) SELECT * FROM items",
      "SELECT * FROM (WITH _agent_keys AS (SELECT 1) SELECT * FROM _agent_keys), _agent_keys",
      "SELECT (SELECT (SELECT key_hash FROM _agent_keys))",
      "SELECT * FROM items WHERE a IN _agent_keys",
      "SELECT * FROM items ORDER BY (SELECT 1 FROM _agent_keys)",
      "SELECT * FROM items GROUP BY a HAVING EXISTS (SELECT 1 FROM _idempotency_keys)",
      "SELECT count(*) FILTER (WHERE a IN (SELECT 1 FROM _agent_keys)) FROM items",
      "SELECT * FROM items LIMIT (SELECT count(*) FROM _agent_keys)",
      "INSERT INTO items SELECT * FROM _agent_keys",
      "UPDATE items SET a = 1 FROM _agent_keys",
      "DELETE FROM items RETURNING (SELECT key_hash FROM _agent_keys)",
      "INSERT INTO items VALUES (1) ON CONFLICT DO UPDATE SET a = (SELECT 1 FROM _agent_keys)",
      "CREATE TABLE x AS SELECT * FROM _agent_keys",
      "CREATE VIEW x AS SELECT * FROM _agent_keys",
      "CREATE TABLE x (a REFERENCES _agent_keys)",
      "ALTER TABLE items ADD COLUMN b REFERENCES _agent_keys (key_hash)",
      "SELECT * FROM sqlite_dbpage",
      "SELECT * FROM dbstat",
      "SELECT * FROM pragma_table_info('items')",
      "SELECT * FROM items WHERE 1 IN pragma_table_info('items')",
      "PRAGMA writable_schema = 1",
      "ATTACH ':memory:' AS m",
      "VACUUM INTO '/tmp/x'",
      "SELECT load_extension('/tmp/x')",
      "SELECT fts3_tokenizer('simple')",
      "SELECT readfile('/etc/passwd')",
      "CREATE TRIGGER t AFTER INSERT ON items BEGIN DELETE FROM _cot; END",
      "DROP TRIGGER _cot_append_only",
      "CREATE TEMP VIEW v AS SELECT 1",
      "INSERT INTO _аgent_keys VALUES (1)",
      "REPLACE INTO \"_memory\" VALUES (1)",
      "SELECT * FROM items; ",
    ];
    const letThrough = malicious.slice(0, -1).filter((sql) => "ok" in attempt(sql));
    expect(letThrough).toEqual([]);
    expect("ok" in attempt(malicious.at(-1)!)).toBe(true);
  });
});
