import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newAgent } from "../helpers";
import { withPolicy } from "../policy/helpers";
import { query, uniqueName } from "./helpers";

// Issue 11, item 3: the audit log must not hand the values a statement wrote to someone denied the table.

const auditOf = async (table: string) =>
  (await env.DB.prepare("SELECT details FROM _audit_log WHERE resource = ? AND action = 'query:write' ORDER BY at").bind(`table:${table}`).all<{ details: string }>()).results.map(
    (r) => JSON.parse(r.details) as { sql: string; sql_sha256: string; kind: string },
  );

describe("audit rows of SQL writes", () => {
  it("keep the statement with placeholders for its literal values, and a hash; never parameter values", async () => {
    const hr = await newAgent();
    const table = uniqueName("hr_salaries");
    await query(`CREATE TABLE ${table} (name TEXT, salary INTEGER, note TEXT DEFAULT 'confidential band')`, { key: hr.key });
    await query(`INSERT INTO ${table} (name, salary) VALUES ('Dana Example', 183500), ('Lee Example', 171000) -- raise of 12.5%`, { key: hr.key });
    await query(`INSERT INTO ${table} (name, salary) VALUES (?, ?)`, { key: hr.key, params: ["Sam Example", 99000] });
    await query(`UPDATE ${table} SET salary = salary * 1.1 WHERE name = x'44616e61' OR name LIKE 'Lee%'`, { key: hr.key });
    const rows = await auditOf(table);
    expect(rows).toHaveLength(4);
    const everything = JSON.stringify(rows);
    for (const secret of ["Dana", "183500", "Lee", "171000", "Sam", "99000", "12.5", "confidential", "44616e61", "1.1"]) expect(everything, secret).not.toContain(secret);
    expect(rows[1]!.sql).toBe(`INSERT INTO ${table} (name, salary) VALUES (?, ?), (?, ?)`);
    expect(rows[2]!.sql).toBe(`INSERT INTO ${table} (name, salary) VALUES (?, ?)`);
    for (const row of rows) expect(row.sql_sha256).toMatch(/^[0-9a-f]{64}$/);
    // The same statement with other values has the same hash.
    await query(`INSERT INTO ${table} (name, salary) VALUES ('Kim Example', 1), ('Ola Example', 2)`, { key: hr.key });
    const again = await auditOf(table);
    expect(again[4]!.sql_sha256).toBe(rows[1]!.sql_sha256);
  });

  it("are shown through SQL only to callers who may read the table", async () => {
    const [hr, nosy, supervisor] = await Promise.all([newAgent(), newAgent(), newAgent("reader")]);
    const table = uniqueName("hr_salaries");
    await query(`CREATE TABLE ${table} (name TEXT, salary INTEGER)`, { key: hr.key });
    await query(`INSERT INTO ${table} VALUES ('Dana Example', 183500)`, { key: hr.key });
    const audit = (key: string) => query("SELECT resource, details FROM _audit_log WHERE resource = ? AND action = 'query:write'", { key, params: [`table:${table}`] });
    expect((await audit(nosy.key)).body.row_count).toBe(2);
    await withPolicy({ effect: "deny", actions: ["query:read"], resources: [`table:${table}`], principals: [nosy.agentId] }, async () => {
      expect((await query(`SELECT * FROM ${table}`, { key: nosy.key })).status).toBe(403);
      expect((await audit(nosy.key)).body.rows).toEqual([]);
      expect((await query("SELECT count(*) AS n FROM _audit_log WHERE details LIKE ?", { key: nosy.key, params: [`%${table}%`] })).body.rows).toEqual([{ n: 0 }]);
      expect((await audit(supervisor.key)).body.row_count).toBe(2);
      expect((await audit(hr.key)).body.row_count).toBe(2);
    });
  });
});
