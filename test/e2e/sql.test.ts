// Seed pattern 5, the SQL half: a rogue agent's refused writes land in `_policy_denials`, and a read-only
// supervisor finds it with its query, typed verbatim, through the client against a real `npm run dev`.
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const SUPERVISOR_QUERY =
  "SELECT agent_id, COUNT(*) AS denied_queries, MAX(denied_at) AS last_denial FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id HAVING COUNT(*) > 10 ORDER BY denied_queries DESC;";

describe("SQL over the data layer, through the client", () => {
  const local = localServer();
  let owner: Switchyard;
  let rogue: Switchyard;
  let supervisor: Switchyard;
  const clientFor = local.client;

  beforeAll(async () => {
    const admin = local.admin();
    await admin.agents.create({ agent_id: "ledger-owner" });
    await admin.agents.create({ agent_id: "rogue", role: "reader" });
    await admin.agents.create({ agent_id: "supervisor", role: "reader" });
    owner = clientFor((await admin.agents.keys.create("ledger-owner")).api_key);
    rogue = clientFor((await admin.agents.keys.create("rogue")).api_key);
    supervisor = clientFor((await admin.agents.keys.create("supervisor")).api_key);
  });

  it("lets an agent create its table, write with params and read back", async () => {
    await owner.query("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount REAL, created_at TEXT DEFAULT CURRENT_TIMESTAMP)");
    const written = await owner.query<{ id: number }>("INSERT INTO invoices (customer, amount) VALUES (?, ?), (?, ?) RETURNING id", ["acme", 120.5, "globex", 99]);
    expect(written).toMatchObject({ row_count: 2, changes: 2 });
    const { rows, columns } = await owner.query<{ customer: string; amount: number; created_at: string }>("SELECT customer, amount, created_at FROM invoices ORDER BY id");
    expect(columns).toEqual(["customer", "amount", "created_at"]);
    expect(rows.map((r) => r.customer)).toEqual(["acme", "globex"]);
    expect(rows[0]?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("refuses the rogue's writes, and the supervisor's verbatim query finds it", async () => {
    for (let i = 0; i < 12; i++) {
      const attempt = rogue.query("UPDATE invoices SET amount = 0 WHERE id = ?", [1]);
      await expect(attempt).rejects.toBeInstanceOf(SwitchyardError);
      await expect(attempt).rejects.toMatchObject({ status: 403, code: "forbidden" });
    }
    await expect(rogue.query("SELECT key_hash FROM _agent_keys")).rejects.toMatchObject({ status: 403 });
    expect((await owner.query<{ amount: number }>("SELECT amount FROM invoices WHERE id = 1")).rows).toEqual([{ amount: 120.5 }]);

    const report = await supervisor.query<{ agent_id: string; denied_queries: number; last_denial: string }>(SUPERVISOR_QUERY);
    expect(report.columns).toEqual(["agent_id", "denied_queries", "last_denial"]);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ agent_id: "rogue", denied_queries: 13 });
    expect(Date.now() - Date.parse(report.rows[0]!.last_denial)).toBeLessThan(60_000);
  });

  it("answers bad SQL with the contract's errors", async () => {
    await expect(supervisor.query("SELECT 1; SELECT 2")).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    await expect(supervisor.query("SELEC 1")).rejects.toMatchObject({ status: 422, code: "unprocessable" });
    await expect(supervisor.query("PRAGMA table_info(invoices)")).rejects.toMatchObject({ status: 400 });
  });
});
