import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/http/errors";
import { guardSql } from "../../src/sql/guard";
import { RefusedTableError } from "../../src/sql/guard-errors";
import { intervalModifiers, markIntervals } from "../../src/sql/interval-literal";

const tables = (sql: string, options?: Parameters<typeof guardSql>[1]) =>
  guardSql(sql, options)
    .tables.map((t) => `${t.access}:${t.name}`)
    .sort();

function refusal(sql: string, options?: Parameters<typeof guardSql>[1]): ApiError {
  try {
    guardSql(sql, options);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`not refused: ${sql}`);
}

describe("the SQL guard", () => {
  it("finds tables in joins, subqueries of every clause, IN-table, RETURNING and UPDATE … FROM", () => {
    expect(tables("SELECT * FROM a JOIN (SELECT * FROM b) s ON s.x = (SELECT max(x) FROM c) WHERE y IN d ORDER BY (SELECT 1 FROM e)")).toEqual([
      "read:a",
      "read:b",
      "read:c",
      "read:d",
      "read:e",
    ]);
    expect(tables("UPDATE t SET x = (SELECT 1 FROM a) FROM b WHERE t.id = b.id RETURNING (SELECT 2 FROM c)")).toEqual([
      "read:a",
      "read:b",
      "read:c",
      "write:t",
    ]);
    expect(tables("INSERT INTO t SELECT * FROM u ON CONFLICT DO UPDATE SET x = (SELECT 1 FROM v)")).toEqual(["read:u", "read:v", "write:t"]);
  });

  it("treats CTE names as names, not tables, exactly where SQLite does", () => {
    expect(tables("WITH x AS (SELECT * FROM a) SELECT * FROM x UNION SELECT * FROM x")).toEqual(["read:a"]);
    // every CTE of a WITH is visible in every body (forward references included)
    expect(tables("WITH x AS (SELECT * FROM y), y AS (SELECT * FROM b) SELECT * FROM x")).toEqual(["read:b"]);
    // a CTE is only in scope inside its statement; a qualified name is always the table
    expect(tables("SELECT * FROM (WITH t AS (SELECT 1) SELECT * FROM t), t")).toEqual(["read:t"]);
    expect(tables("WITH t AS (SELECT 1) SELECT * FROM main.t")).toEqual(["read:t"]);
    // the target of a write is never a CTE
    expect(tables("WITH t AS (SELECT 1) DELETE FROM t")).toEqual(["write:t"]);
  });

  it("follows views to the tables they read, through views, and names the view in a refusal", () => {
    const views = new Map([
      ["Recent", "CREATE VIEW recent AS SELECT * FROM orders WHERE id IN (SELECT id FROM summary)"],
      ["summary", "CREATE VIEW summary AS SELECT id FROM lines JOIN products USING (pid)"],
      ["loop", "CREATE VIEW loop AS SELECT * FROM loop"],
      ["keys", 'CREATE VIEW keys AS SELECT * FROM "_agent_keys"'],
    ]);
    expect(tables("SELECT * FROM RECENT", { views })).toEqual(["read:lines", "read:orders", "read:products", "read:recent", "read:summary"]);
    expect(tables("SELECT * FROM loop", { views })).toEqual(["read:loop"]);
    const err = refusal("SELECT 1 FROM items WHERE x IN (SELECT x FROM keys)", { views });
    expect(err).toBeInstanceOf(RefusedTableError);
    expect(err.message).toContain("through the view 'keys'");
    expect(tables("DROP VIEW keys", { views })).toEqual(["schema:keys"]);
  });

  it("classifies schema changes and the tables they name", () => {
    expect(guardSql("CREATE TABLE x (a REFERENCES y (b))").kind).toBe("schema");
    expect(tables("CREATE TABLE x (a REFERENCES y (b))")).toEqual(["read:y", "schema:x"]);
    expect(tables("CREATE VIEW v AS SELECT * FROM a")).toEqual(["read:a", "schema:v"]);
    expect(tables("ALTER TABLE a RENAME TO b")).toEqual(["schema:a", "schema:b"]);
    expect(tables("DROP INDEX by_name", { indexes: new Map([["by_name", "people"]]) })).toEqual(["schema:people"]);
    expect(tables("CREATE INDEX by_name ON people (name) WHERE name IN (SELECT n FROM x)")).toEqual(["read:x", "schema:people"]);
  });

  it("gives a SELECT without a LIMIT the row cap, and nothing else", () => {
    expect(guardSql("SELECT * FROM t -- all of it\n;", { rowLimit: 11 }).sql).toBe("SELECT * FROM t LIMIT 11");
    expect(guardSql("SELECT a FROM t UNION SELECT a FROM u ORDER BY 1", { rowLimit: 11 }).sql).toMatch(/ORDER BY 1 LIMIT 11$/);
    expect(guardSql("SELECT * FROM t LIMIT 5", { rowLimit: 11 }).sql).toBe("SELECT * FROM t LIMIT 5");
    expect(guardSql("DELETE FROM t", { rowLimit: 11 }).sql).toBe("DELETE FROM t");
  });

  it("counts positional parameters as SQLite numbers them", () => {
    expect(guardSql("SELECT ?, ?, ?").parameterCount).toBe(3);
    expect(guardSql("SELECT ?5, ?").parameterCount).toBe(6);
    expect(guardSql("SELECT ?2, ?1, ?2").parameterCount).toBe(2);
    expect(refusal("SELECT ?101").status).toBe(400);
    expect(refusal("SELECT @who").status).toBe(400);
  });

  it("rewrites the Postgres habits on the tree and leaves strings, comments and names alone", () => {
    const { sql } = guardSql(
      "SELECT now(), Current_Timestamp, ts + INTERVAL '1 week', \"now\", 'now()' /* NOW() - INTERVAL '1 day' */ FROM t WHERE ts < NOW() - interval '1 hour 30 minutes'",
    );
    expect(sql).toBe(
      "SELECT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), (strftime('%Y-%m-%dT%H:%M:%fZ', ts, '+7 days')), \"now\", 'now()' /* NOW() - INTERVAL '1 day' */ FROM t WHERE ts < (strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours', '-30 minutes'))",
    );
    expect(guardSql("CREATE TABLE x (at TEXT DEFAULT CURRENT_TIMESTAMP)").sql).toBe("CREATE TABLE x (at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
    expect(markIntervals("SELECT t.interval 'x', \"interval\" '1 hour'")).toBe("SELECT t.interval 'x', \"interval\" '1 hour'");
  });

  it("reads intervals as Postgres writes them, and refuses what it cannot read with 400", () => {
    expect(intervalModifiers("90 minutes", -1)).toEqual(["-90 minutes"]);
    expect(intervalModifiers("1 hour ago", 1)).toEqual(["-1 hours"]);
    expect(intervalModifiers("2 weeks 1 day", 1)).toEqual(["+14 days", "+1 days"]);
    expect(intervalModifiers("1 day 02:30:00", 1)).toEqual(["+1 days", "+2 hours", "+30 minutes"]);
    expect(intervalModifiers("1.5 hours, 250ms", 1)).toEqual(["+1.5 hours", "+0.25 seconds"]);
    expect(intervalModifiers("-3 mons", -1)).toEqual(["+3 months"]);
    for (const bad of ["", "1 fortnight", "hour", "1", "1.5 months", "1 constructor"]) expect(() => intervalModifiers(bad, 1)).toThrow(ApiError);
  });
});
