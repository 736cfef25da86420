import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { onlyStatement } from "../../src/sql/parse";
import { WORK_LIMITS, boundWork } from "../../src/sql/work-bounds";
import { workShape } from "../../src/sql/work-shape";
import { type ApiResponse, expectError, newAgent } from "../helpers";
import { newBranch } from "../branches/helpers";
import { branchQuery, query, uniqueName } from "./helpers";

// Issue 11, item 2: no statement may hold the database for everyone. What cannot be bounded is refused
// with 422 before it runs, saying how to rewrite it; what can only be bounded while it runs is.

const RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";
const hundred = JSON.stringify(Array.from({ length: 100 }, (_, i) => i));

function expectUnbounded(res: ApiResponse, mentions: RegExp) {
  expectError(res, 422, "unprocessable");
  expect(res.body.error.details).toMatchObject({ reason: "unbounded_work" });
  expect(res.body.error.message).toMatch(mentions);
}

async function numbers(rows: number, label = "n") {
  const t = uniqueName(label);
  await env.DB.prepare(`CREATE TABLE ${t} (n INTEGER PRIMARY KEY, v TEXT)`).run();
  await env.DB.prepare(`INSERT INTO ${t} SELECT value, 'v' || value FROM json_each(?)`).bind(JSON.stringify(Array.from({ length: rows }, (_, i) => i + 1))).run();
  return t;
}

describe("recursive CTEs", () => {
  it("are refused without a LIMIT, on main and on a branch, with the rewrite in the message", async () => {
    const [agent, reader] = await Promise.all([newAgent(), newAgent("reader")]);
    const started = Date.now();
    expectUnbounded(await query(RUNAWAY, { key: agent.key }), /LIMIT n.*WITH RECURSIVE c\(x\) AS \(SELECT 1 UNION ALL SELECT x \+ 1 FROM c WHERE x < 100 LIMIT 100\)/);
    expectUnbounded(await query(RUNAWAY.replace("RECURSIVE ", ""), { key: reader.key }), /no LIMIT/);
    expectUnbounded(await query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 10) SELECT 1", { key: agent.key }), /no LIMIT/);
    expectUnbounded(await query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100001) SELECT count(*) FROM c", { key: agent.key }), /100,001 rows/);
    const branch = await newBranch(agent.key);
    expectUnbounded(await branchQuery(branch, RUNAWAY, { key: agent.key }), /no LIMIT/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("run with a LIMIT up to 100,000", async () => {
    const res = await query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100000) SELECT count(*) AS n, max(x) AS top FROM c");
    expect(res.body.rows).toEqual([{ n: 100_000, top: 100_000 }]);
  });

  it("count their step's work once per row they yield", async () => {
    const t = await numbers(2_000);
    expectUnbounded(await query(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c, ${t} LIMIT 10000) SELECT count(*) FROM c`), /recursive CTE c/);
  });
});

describe("sources that multiply", () => {
  it("refuse a reader's cross join of four json_each sources, literal or bound", async () => {
    const reader = await newAgent("reader");
    const literal = `SELECT count(*) FROM json_each('${hundred}') a, json_each('${hundred}') b, json_each('${hundred}') c, json_each('${hundred}') d`;
    expectUnbounded(await query(literal, { key: reader.key }), /1\.0e8 row combinations.*json_each over a literal \(101 values\)/);
    const bound = "SELECT count(*) FROM json_each(?) a, json_each(?) b, json_each(?) c, json_each(?) d";
    expectUnbounded(await query(bound, { key: reader.key, params: [hundred, hundred, hundred, hundred] }), /json_each over parameter \?1/);
    const small = JSON.stringify([1, 2, 3]);
    expect((await query(bound, { key: reader.key, params: [small, small, small, small] })).body.rows).toEqual([{ "count(*)": 81 }]);
  });

  it("refuse joins whose row product, from the tables' sizes now, is over the limit, and name the tables", async () => {
    const big = await numbers(4_000, "big");
    const small = await numbers(10, "small");
    expectUnbounded(await query(`SELECT count(*) FROM ${big} a, ${big} b`), new RegExp(`${big} \\(~4,000 rows\\) × ${big} \\(~4,000 rows\\)`));
    expectUnbounded(await query(`SELECT count(*) FROM ${big} a JOIN ${big} b ON a.n = b.n`), /1\.6e7/);
    expectUnbounded(await query(`SELECT (SELECT count(*) FROM ${big} b WHERE b.n > a.n) FROM ${big} a`), /a subquery in an expression/);
    expect((await query(`SELECT count(*) AS n FROM ${big} a JOIN ${small} b ON a.n = b.n`)).body.rows).toEqual([{ n: 10 }]);
    // The same join, paged on one side as the message says, runs.
    expect((await query(`SELECT count(*) AS n FROM (SELECT * FROM ${big} ORDER BY n LIMIT 1000) a JOIN ${big} b ON a.n = b.n`)).body.rows).toEqual([{ n: 1000 }]);
  });

  it("count a table by the span of its rowids, so rows hidden below zero still count", async () => {
    const t = uniqueName("spread");
    await env.DB.prepare(`CREATE TABLE ${t} (v INTEGER)`).run();
    await env.DB.prepare(`INSERT INTO ${t} (rowid, v) SELECT -value, value FROM json_each(?)`).bind(JSON.stringify(Array.from({ length: 4_000 }, (_, i) => i + 1))).run();
    expectUnbounded(await query(`SELECT count(*) FROM ${t} a, ${t} b`), /row combinations/);
  });

  it("see through views to the tables they join", async () => {
    const big = await numbers(4_000, "big");
    const v = uniqueName("pairs");
    expect((await query(`CREATE VIEW ${v} AS SELECT a.n AS x, b.n AS y FROM ${big} a, ${big} b`)).status).toBe(200);
    expectUnbounded(await query(`SELECT count(*) FROM ${v}`), /row combinations/);
  });

  it("are bounded on a branch against the branch's own tables", async () => {
    const agent = await newAgent();
    const big = await numbers(4_000, "big");
    const branch = await newBranch(agent.key);
    expectUnbounded(await branchQuery(branch, `SELECT count(*) FROM ${big} a, ${big} b`, { key: agent.key }), /row combinations/);
    expect((await branchQuery(branch, `SELECT count(*) AS n FROM ${big}`, { key: agent.key })).body.rows).toEqual([{ n: 4_000 }]);
  });
});

describe("arrays in values", () => {
  async function withArray(elements: number) {
    const t = uniqueName("arrays");
    await env.DB.prepare(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, a TEXT)`).run();
    await env.DB.prepare(`INSERT INTO ${t} (a) VALUES (?)`).bind(JSON.stringify(Array.from({ length: elements }, (_, i) => i))).run();
    return t;
  }

  it("are unnested freely from one table's column: the work follows the data", async () => {
    const t = await withArray(30_000);
    expect((await query(`SELECT count(*) AS n FROM ${t}, json_each(${t}.a)`)).body.rows).toEqual([{ n: 30_000 }]);
  });

  it("are bounded where they multiply: refused when the estimate says so, stopped at run time when the value is longer", async () => {
    const long = await withArray(30_000);
    expectUnbounded(await query(`SELECT count(*) FROM ${long} t, json_each(t.a) x, json_each(t.a) y`), /computed or stored value/);
    const res = await query(`SELECT count(*) FROM ${long} t, json_each(t.a) x, (VALUES (1), (2)) v`);
    expectUnbounded(res, new RegExp(`at most ${WORK_LIMITS.jsonValueChars.toLocaleString("en-US")} characters`));
    const short = await withArray(100);
    expect((await query(`SELECT count(*) AS n FROM ${short} t, json_each(t.a) x, (VALUES (1), (2)) v`)).body.rows).toEqual([{ n: 200 }]);
  });
});

describe("the estimate", () => {
  const shapeOf = (sql: string) => workShape(onlyStatement(sql))!;
  const sized = (sizes: Record<string, number>) => ({ tableRows: (n: string) => sizes[n], viewShape: () => undefined, params: [] });

  it("multiplies nested loops, adds what runs once, and takes LIMIT and aggregates into account", () => {
    const sizes = sized({ a: 1_000, b: 2_000, c: 3 });
    expect(boundWork(shapeOf("SELECT * FROM a, b"), sizes).combinations).toBe(2_000_000);
    expect(boundWork(shapeOf("SELECT * FROM a, b, c"), sizes).combinations).toBe(6_000_000);
    expect(boundWork(shapeOf("SELECT * FROM a WHERE x IN b"), sizes).combinations).toBe(0);
    expect(boundWork(shapeOf("SELECT * FROM (SELECT * FROM a LIMIT 10) s, b"), sizes).combinations).toBe(20_000);
    expect(boundWork(shapeOf("WITH s AS (SELECT count(*) FROM a) SELECT * FROM s, b"), sizes).combinations).toBe(0);
    expect(boundWork(shapeOf("SELECT * FROM a UNION ALL SELECT * FROM b"), sizes).combinations).toBe(0);
    expect(boundWork(shapeOf("SELECT (SELECT max(x) FROM b) FROM a"), sizes).combinations).toBe(2_000_000);
    expect(boundWork(shapeOf("WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r, c LIMIT 50) SELECT * FROM r"), sizes).combinations).toBe(150);
    expect(() => boundWork(shapeOf("SELECT * FROM a, b, b"), sizes)).toThrow(/4\.0e9 row combinations/);
  });
});
