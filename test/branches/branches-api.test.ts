import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, count, expectError, newAgent } from "../helpers";
import { branchQuery, branchWrite, mainRows, mainTable, merge, newBranch } from "./helpers";

const accounts = (name: string) => `CREATE TABLE "${name}" (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance REAL)`;

describe("branches: create, write, query, diff, merge", () => {
  it("creates a branch with one registry row and copies nothing", async () => {
    const res = await api("POST", "/v1/branches", { body: { label: "q1-forecast-experiment", description: "try a higher Q1" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ label: "q1-forecast-experiment", description: "try a higher Q1", status: "open", created_by: "admin" });
    expect(res.body.branch_id).toMatch(/^br_/);
    expect(res.body.created_at).toMatch(ISO_MILLIS);
    const ttl = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
    expect(ttl).toBe(Number(env.BRANCH_TTL_SECONDS) * 1000);
    expect(await count("SELECT count(*) AS n FROM _branches WHERE branch_id = ?", res.body.branch_id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM _audit_log WHERE action = 'branch:create' AND resource = ?", `branch:${res.body.branch_id}`)).toBe(1);
    expect((await api("GET", `/v1/branches/${res.body.branch_id}`)).body).toEqual(res.body);
  });

  it("takes a table on first touch, keeps main untouched, and merges the branch's rows", async () => {
    const table = await mainTable(accounts, [[1, "ann", 10], [2, "bob", 20], [3, "cy", 30]]);
    const id = await newBranch();
    const write = await branchWrite(id, table, [{ id: 4, owner: "dee", balance: 40 }]);
    expect(write).toMatchObject({ status: 200, body: { table, written: 1 } });
    expect((await branchQuery(id, `UPDATE ${table} SET balance = 11 WHERE id = 1`)).status).toBe(200);
    expect((await branchQuery(id, `DELETE FROM ${table} WHERE id = 2`)).status).toBe(200);

    const read = await branchQuery(id, `SELECT id, owner, balance FROM ${table} ORDER BY id`);
    expect(read.status).toBe(200);
    expect(read.body.rows).toEqual([
      { id: 1, owner: "ann", balance: 11 },
      { id: 3, owner: "cy", balance: 30 },
      { id: 4, owner: "dee", balance: 40 },
    ]);
    expect(await mainRows(table, "id")).toHaveLength(3);

    const diff = await api("GET", `/v1/branches/${id}/diff`);
    expect(diff.status).toBe(200);
    expect(diff.body.tables).toEqual([
      {
        table,
        primary_key: ["id"],
        created: false,
        added_columns: [],
        added: [{ id: 4, owner: "dee", balance: 40 }],
        changed: [{ key: { id: 1 }, before: { id: 1, owner: "ann", balance: 10 }, after: { id: 1, owner: "ann", balance: 11 } }],
        deleted: [{ id: 2, owner: "bob", balance: 20 }],
      },
    ]);
    expect(diff.body.conflicts).toEqual([]);

    const merged = await merge(id, { strategy: "branch_wins" });
    expect(merged.body).toEqual({ status: "merged", applied: { [table]: 3 }, conflicts: [] });
    expect(await mainRows(table, "id")).toEqual([
      { id: 1, owner: "ann", balance: 11 },
      { id: 3, owner: "cy", balance: 30 },
      { id: 4, owner: "dee", balance: 40 },
    ]);
    expect((await api("GET", `/v1/branches/${id}`)).body).toMatchObject({ status: "merged", merged_by: "admin" });
    expectError(await branchWrite(id, table, [{ id: 9, owner: "x" }]), 409, "conflict");
    expectError(await merge(id, { strategy: "branch_wins" }), 409, "conflict");
  });

  it("creates a missing table from the rows and merges it with its new columns", async () => {
    const id = await newBranch();
    const table = `forecast_${Date.now().toString(36)}`;
    const write = await branchWrite(id, table, [
      { id: "2027-Q1", revenue: 1250000, growth: 0.12, approved: false, notes: { by: "a" } },
      { id: "2027-Q2", revenue: 1300000, growth: 0.04, approved: true, notes: null },
    ]);
    expect(write.status).toBe(200);
    expect((await branchQuery(id, `ALTER TABLE ${table} ADD COLUMN scenario TEXT`)).status).toBe(200);
    const diff = await api("GET", `/v1/branches/${id}/diff`);
    expect(diff.body.tables[0]).toMatchObject({ table, created: true, primary_key: ["id"] });
    expect(diff.body.tables[0].added).toHaveLength(2);
    const merged = await merge(id, { strategy: "main_wins" });
    expect(merged.body).toMatchObject({ status: "merged", applied: { [table]: 2 } });
    expect(await mainRows(table, "id")).toEqual([
      { id: "2027-Q1", revenue: 1250000, growth: 0.12, approved: 0, notes: '{"by":"a"}', scenario: null },
      { id: "2027-Q2", revenue: 1300000, growth: 0.04, approved: 1, notes: null, scenario: null },
    ]);
  });

  it("reports conflicts, applies nothing under manual, and completes with resolutions", async () => {
    const table = await mainTable(accounts, [[1, "ann", 10], [2, "bob", 20]]);
    const id = await newBranch();
    await branchWrite(id, table, [{ id: 1, owner: "ann", balance: 15 }, { id: 2, owner: "bob", balance: 25 }], "upsert");
    await env.DB.prepare(`UPDATE "${table}" SET balance = 99 WHERE id = 1`).run();

    const diff = await api("GET", `/v1/branches/${id}/diff`);
    expect(diff.body.conflicts).toEqual([
      { table, key: { id: 1 }, base: { id: 1, owner: "ann", balance: 10 }, main: { id: 1, owner: "ann", balance: 99 }, branch: { id: 1, owner: "ann", balance: 15 } },
    ]);
    const conflicted = await merge(id, { strategy: "manual" });
    expect(conflicted.body).toMatchObject({ status: "conflicted", applied: {}, conflicts: [{ table, key: { id: 1 } }] });
    expect(await mainRows(table, "id")).toEqual([{ id: 1, owner: "ann", balance: 99 }, { id: 2, owner: "bob", balance: 20 }]);
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("open");

    const done = await merge(id, { strategy: "manual", resolutions: [{ table, key: { id: 1 }, take: { row: { owner: "ann", balance: 50 } } }] });
    expect(done.body).toMatchObject({ status: "merged", applied: { [table]: 2 } });
    expect(await mainRows(table, "id")).toEqual([{ id: 1, owner: "ann", balance: 50 }, { id: 2, owner: "bob", balance: 25 }]);
  });

  it("lists branches by status, page by page", async () => {
    const a = await newBranch();
    const b = await newBranch();
    await api("POST", `/v1/branches/${b}/discard`);
    const open = await api("GET", "/v1/branches?status=open&limit=100");
    expect(open.body.items.map((x: { branch_id: string }) => x.branch_id)).toContain(a);
    expect(open.body.items.map((x: { branch_id: string }) => x.branch_id)).not.toContain(b);
    const discarded = await api("GET", "/v1/branches?status=discarded&limit=1");
    expect(discarded.body.items).toHaveLength(1);
    expect(discarded.body.items[0].status).toBe("discarded");
  });

  it("lets a reader read a branch but not write to it", async () => {
    const reader = await newAgent("reader");
    const id = await newBranch();
    const table = await mainTable(accounts, [[1, "ann", 10]]);
    expect((await branchQuery(id, `SELECT * FROM ${table}`, [], reader.key)).status).toBe(200);
    expectError(await branchWrite(id, table, [{ id: 2, owner: "x" }], "insert", reader.key), 403, "forbidden");
    expectError(await branchQuery(id, `DELETE FROM ${table}`, [], reader.key), 403, "forbidden");
  });
});
