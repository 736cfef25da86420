import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { planMerge } from "../../src/branches/merge-planner";
import { mainColumns, withMainRows } from "../../src/branches/main-rows";
import { tableStatements } from "../../src/branches/merge-statements";
import { api, count, expectError, invalidPaths } from "../helpers";
import { branchQuery, branchWrite, mainRows, mainTable, merge, newBranch } from "./helpers";

const ledger = (n: string) => `CREATE TABLE "${n}" (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, memo TEXT)`;

describe("isolation", () => {
  it("shows main nothing written on a branch before it merges", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    await branchWrite(id, table, [{ id: 2, amount: 5 }]);
    await branchQuery(id, `UPDATE ${table} SET amount = 0`);
    await branchQuery(id, `CREATE TABLE scratch_${id.slice(3, 12)} (x INTEGER)`);
    expect(await mainRows(table, "id")).toEqual([{ id: 1, amount: 100, memo: "a" }]);
    expect(await count("SELECT count(*) AS n FROM sqlite_master WHERE name = ?", `scratch_${id.slice(3, 12)}`)).toBe(0);
  });

  it("keeps main's later changes to a table the branch took out of the branch, and reads untouched tables as of the take", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    expect((await branchQuery(id, `SELECT * FROM ${table}`)).body.rows).toEqual([{ id: 1, amount: 100, memo: "a" }]);
    await env.DB.batch([env.DB.prepare(`UPDATE "${table}" SET amount = 1`), env.DB.prepare(`INSERT INTO "${table}" VALUES (2, 2, 'main')`)]);
    expect((await branchQuery(id, `SELECT * FROM ${table}`)).body.rows).toEqual([{ id: 1, amount: 100, memo: "a" }]);
    // A table the branch never touched is read from main when first touched.
    const later = await mainTable(ledger, [[7, 7, "late"]]);
    expect((await branchQuery(id, `SELECT id FROM ${later}`)).body.rows).toEqual([{ id: 7 }]);
  });

  it("never overwrites a row main changed between the conflict check and the apply", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"], [2, 200, "b"]]);
    const base = new Map([[1, { id: 1, amount: 100, memo: "a" }], [2, { id: 2, amount: 200, memo: "b" }]]);
    const changed = [{ table, keyColumns: ["id"], keyed: [{ key: { id: 1 }, base: base.get(1)!, branch: { id: 1, amount: 150, memo: "a" } }, { key: { id: 2 }, base: base.get(2)!, branch: null }], keyless: [] }];
    const columns = await mainColumns(env.DB, [table]);
    const plan = planMerge(await withMainRows(env.DB, changed, columns), "branch_wins");
    expect(plan.conflicts).toEqual([]);
    // Main moves on after the plan was made…
    await env.DB.prepare(`UPDATE "${table}" SET memo = 'main' WHERE id = 2`).run();
    // …so the batch's tripwire fails it, and nothing of it is applied.
    await expect(env.DB.batch(tableStatements(env.DB, plan.tables[0]!, columns.get(table)!))).rejects.toThrow(/CHECK constraint failed/);
    expect(await mainRows(table, "id")).toEqual([{ id: 1, amount: 100, memo: "a" }, { id: 2, amount: 200, memo: "main" }]);
  });

  it("refuses, with 409 and nothing applied, to create a table main created meanwhile", async () => {
    const existing = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    const name = `both_${id.slice(3, 12)}`;
    await branchWrite(id, existing, [{ id: 2, amount: 2 }]);
    await branchWrite(id, name, [{ id: 1, v: "branch" }]);
    await env.DB.prepare(`CREATE TABLE "${name}" (id INTEGER PRIMARY KEY, v TEXT)`).run();
    expectError(await merge(id, { strategy: "branch_wins" }), 409, "conflict");
    expect(await mainRows(existing, "id")).toHaveLength(1);
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("open");
  });

  it("merges one branch once when two merges race", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    await branchWrite(id, table, [{ id: 2, amount: 1 }]);
    const results = await Promise.all([merge(id, { strategy: "branch_wins" }), merge(id, { strategy: "branch_wins" })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await count(`SELECT count(*) AS n FROM "${table}"`)).toBe(2);
  });
});

describe("bad input: a clear 4xx and no change", () => {
  it("refuses an unknown column, naming it, and writes nothing", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    const res = await branchWrite(id, table, [{ id: 2, amount: 1 }, { id: 3, amount: 2, colour: "red" }]);
    expect(invalidPaths(res)).toEqual(["rows[1].colour"]);
    expect((await branchQuery(id, `SELECT count(*) AS n FROM ${table}`)).body.rows).toEqual([{ n: 1 }]);
  });

  it("refuses rows of the wrong shape and leaves no table behind", async () => {
    const id = await newBranch();
    const name = `shape_${id.slice(3, 12)}`;
    expect(invalidPaths(await branchWrite(id, name, [{ id: 1, v: 1 }, { id: 2, v: "two" }]))).toEqual(["rows[1].v"]);
    expect(invalidPaths(await branchWrite(id, name, [[1, 2]]))).toContain("rows[0]");
    expect(invalidPaths(await branchWrite(id, name, [{}]))).toEqual(["rows[0]"]);
    expect(invalidPaths(await branchWrite(id, name, [{ "bad col": 1 }]))).toEqual(["rows[0].bad col"]);
    expect(invalidPaths(await branchWrite(id, name, []))).toEqual(["rows"]);
    expectError(await branchQuery(id, `SELECT * FROM ${name}`), 422, "unprocessable");
  });

  it("refuses system tables, an unknown strategy, unknown fields and bad ids", async () => {
    const id = await newBranch();
    expect(invalidPaths(await branchWrite(id, "_memory", [{ id: 1 }]))).toEqual(["table"]);
    expect(invalidPaths(await merge(id, { strategy: "ours" }))).toEqual(["strategy"]);
    expect(invalidPaths(await merge(id, { strategy: "manual", extra: 1 }))).toEqual(["extra"]);
    expect(invalidPaths(await api("POST", "/v1/branches", { body: { label: "" } }))).toEqual(["label"]);
    expect(invalidPaths(await api("POST", "/v1/branches", { body: { label: "x", ttl_seconds: 0 } }))).toEqual(["ttl_seconds"]);
    expect(invalidPaths(await api("GET", "/v1/branches/not-a-branch"))).toEqual(["branch_id"]);
    expectError(await api("GET", "/v1/branches/br_00000000000000000000000000"), 404, "not_found");
    expectError(await branchQuery(id, "SELECT * FROM _memory"), 400, "invalid_request");
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("open");
  });

  it("answers a duplicate key with 409 and writes none of the rows", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    expectError(await branchWrite(id, table, [{ id: 5, amount: 5 }, { id: 1, amount: 1 }]), 409, "conflict");
    expect((await branchQuery(id, `SELECT id FROM ${table} ORDER BY id`)).body.rows).toEqual([{ id: 1 }]);
    expect(invalidPaths(await branchWrite(id, table, [{ id: 6, memo: "no amount" }]))).toEqual(["rows"]);
  });

  it("refuses SQL that fails on the branch with 422 and a manual resolution for an unknown table with 400", async () => {
    const table = await mainTable(ledger, [[1, 100, "a"]]);
    const id = await newBranch();
    expectError(await branchQuery(id, `SELECT nope FROM ${table}`), 422, "unprocessable");
    await branchWrite(id, table, [{ id: 2, amount: 2 }]);
    expect(invalidPaths(await merge(id, { strategy: "manual", resolutions: [{ table: "other", key: { id: 1 }, take: "main" }] }))).toEqual(["resolutions[0].table"]);
    expect(await mainRows(table, "id")).toHaveLength(1);
  });
});

describe("what branches do not carry", () => {
  it("answers a take of a table holding a BLOB with 422, not a fault", async () => {
    const table = await mainTable((n) => `CREATE TABLE "${n}" (id INTEGER PRIMARY KEY, data BLOB)`);
    await env.DB.prepare(`INSERT INTO "${table}" VALUES (1, x'00ff')`).run();
    const id = await newBranch();
    expectError(await branchQuery(id, `SELECT * FROM ${table}`), 422, "unprocessable");
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("open");
  });
});
