import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { guardSql } from "../../src/sql/guard";

// The guard's tables against what SQLite itself opens: EXPLAIN lists the program SQLite compiled, and
// every OpenRead names a b-tree by root page (a table's, or one of its indexes'). Generated SELECTs join,
// nest subqueries, use IN-table, views and CTEs, including CTEs named like real tables, which SQLite
// resolves to the CTE: the guard must agree exactly, not merely over-report.

const TABLES = ["dt_a", "dt_b", "dt_c"];
// One column each, so that `x IN table` is valid on every one of them.
const VIEW_SQL = "CREATE VIEW dt_v AS SELECT a FROM dt_c WHERE a > 0";
const views = new Map([["dt_v", VIEW_SQL]]);
const roots = new Map<number, string>();

beforeAll(async () => {
  await env.DB.batch([
    ...TABLES.map((t) => env.DB.prepare(`CREATE TABLE IF NOT EXISTS ${t} (a INTEGER)`)),
    env.DB.prepare("CREATE INDEX IF NOT EXISTS dt_a_by_a ON dt_a (a)"),
    env.DB.prepare(VIEW_SQL.replace("CREATE VIEW", "CREATE VIEW IF NOT EXISTS")),
    ...TABLES.map((t) => env.DB.prepare(`INSERT INTO ${t} VALUES (1), (2)`)),
  ]);
  const { results } = await env.DB.prepare("SELECT tbl_name, rootpage FROM sqlite_master WHERE rootpage > 0").all<{ tbl_name: string; rootpage: number }>();
  for (const row of results) roots.set(row.rootpage, row.tbl_name);
});

/** The tables SQLite's compiled program opens for reading. */
async function sqliteReads(sql: string): Promise<string[]> {
  const [, ...ops] = await env.DB.prepare(`EXPLAIN ${sql}`).raw<[number, string, number, number, number]>({ columnNames: true });
  const opened = ops.filter((op) => op[1] === "OpenRead").map((op) => roots.get(op[3]) ?? `root ${op[3]}`);
  return [...new Set(opened)].sort();
}

interface Part {
  sql: string;
}

const name = fc.constantFrom(...TABLES, "dt_v");
const select: fc.Memo<Part> = fc.memo((depth: number): fc.Arbitrary<Part> => {
  const sub = depth <= 1 ? name.map((n) => ({ sql: `SELECT a FROM ${n}` })) : select(depth - 1);
  const source = fc.oneof(
    name.map((n) => ({ sql: n })),
    sub.map((s) => ({ sql: `(${s.sql}) AS s${depth}` })),
  );
  const condition = fc.oneof(
    sub.map((s) => `1 IN (${s.sql})`),
    sub.map((s) => `EXISTS (${s.sql})`),
    sub.map((s) => `1 = (${s.sql})`),
    name.map((n) => `1 IN ${n}`),
  );
  // A CTE named like a real table (or not), whose body is what counts.
  const cteName = fc.oneof({ arbitrary: fc.constant("c"), weight: 3 }, { arbitrary: fc.constantFrom(...TABLES), weight: 1 });
  const cte = fc.option(fc.tuple(cteName, sub));
  return fc.tuple(source, fc.option(source), fc.option(condition), cte).map(([from, joined, where, withPart]) => {
    const prefix = withPart ? `WITH ${withPart[0]} AS (${withPart[1].sql}) ` : "";
    const cteUse = withPart ? `, ${withPart[0]}` : "";
    const joinPart = joined ? ` JOIN ${joined.sql} ON 1` : "";
    return { sql: `${prefix}SELECT 1 AS a FROM ${from.sql}${cteUse}${joinPart}${where ? ` WHERE ${where}` : ""}` };
  });
});

describe("SQL guard against SQLite", () => {
  it("reports exactly the tables SQLite reads for generated SELECTs", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(select(2), async ({ sql }) => {
        let actual: string[];
        try {
          actual = await sqliteReads(sql);
        } catch {
          return; // SQL SQLite rejects (an ambiguous column, a CTE that refers to itself) reads nothing
        }
        const guarded = guardSql(sql, { views });
        const reported = [...new Set(guarded.tables.filter((t) => t.name !== "dt_v").map((t) => t.name))].sort();
        expect(reported, sql).toEqual(actual);
        compared++;
      }),
      { numRuns: 250 },
    );
    expect(compared).toBeGreaterThan(100);
  });
});
