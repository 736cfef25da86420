import { describe, expect, it } from "vitest";
import { api, expectError, newAgent } from "../helpers";
import { mainTable, merge, newBranch } from "../branches/helpers";
import { withPolicy } from "../policy/helpers";
import { branchQuery, denialsOf, query } from "./helpers";

// Issue 11, item 4: a branch's diff and a merge's conflict report show main's rows, table by table.

describe("branch diffs and conflict reports", () => {
  it("need query:read on every table in them, as a query reading those tables would", async () => {
    const [finance, nosy] = await Promise.all([newAgent(), newAgent()]);
    const invoices = await mainTable((n) => `CREATE TABLE ${n} (id INTEGER PRIMARY KEY, customer TEXT, amount REAL)`, [[1, "acme", 120.5], [2, "globex", 99]], "invoices");
    const branch = await newBranch(finance.key);
    expect((await branchQuery(branch, `UPDATE ${invoices} SET amount = amount + 1`, { key: finance.key })).status).toBe(200);
    expect((await api("GET", `/v1/branches/${branch}/diff`, { key: nosy.key })).status).toBe(200);

    await withPolicy({ effect: "deny", actions: ["query:read"], resources: [`table:${invoices}`], principals: [nosy.agentId] }, async () => {
      expectError(await query(`SELECT * FROM ${invoices}`, { key: nosy.key }), 403, "forbidden");
      const diff = await api("GET", `/v1/branches/${branch}/diff`, { key: nosy.key });
      expectError(diff, 403, "forbidden");
      expect(diff.body.error.details).toMatchObject({ action: "query:read", resource: `table:${invoices}` });
      expect(JSON.stringify(diff.body)).not.toContain("acme");
      expect(await denialsOf(nosy.agentId)).toContainEqual(expect.objectContaining({ action: "query:read", resource: `table:${invoices}` }));
      // The others still see it.
      expect((await api("GET", `/v1/branches/${branch}/diff`, { key: finance.key })).status).toBe(200);
    });
  });

  it("show a merge's conflicts only to a caller who may read the tables, and apply nothing otherwise", async () => {
    const [finance, writerOnly] = await Promise.all([newAgent(), newAgent()]);
    const table = await mainTable((n) => `CREATE TABLE ${n} (id INTEGER PRIMARY KEY, amount REAL)`, [[1, 10]], "ledger");
    const branch = await newBranch(finance.key);
    await branchQuery(branch, `UPDATE ${table} SET amount = 11 WHERE id = 1`, { key: finance.key });
    await query(`UPDATE ${table} SET amount = 12 WHERE id = 1`);
    await withPolicy({ effect: "deny", actions: ["query:read"], resources: [`table:${table}`], principals: [writerOnly.agentId] }, async () => {
      const res = await merge(branch, { strategy: "manual" }, writerOnly.key);
      expectError(res, 403, "forbidden");
      expect(res.body.error.details).toMatchObject({ action: "query:read", resource: `table:${table}` });
      expect(JSON.stringify(res.body)).not.toContain('"amount"');
    });
    const allowed = await merge(branch, { strategy: "manual" }, finance.key);
    expect(allowed.status).toBe(200);
    expect(allowed.body.status).toBe("conflicted");
  });
});
