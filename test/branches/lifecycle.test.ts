import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { api, count, expectError } from "../helpers";
import { branchQuery, branchWrite, mainTable, merge, newBranch } from "./helpers";

const stubOf = (id: string) => env.BRANCH.get(env.BRANCH.idFromName(id));
const userTablesIn = (id: string) =>
  runInDurableObject(stubOf(id), (_instance, state) =>
    state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray().map((r) => r.name),
  );

describe("branch lifecycle", () => {
  it("discards a branch: its storage is gone, the registry says so, and it refuses writes with 409", async () => {
    const table = await mainTable((n) => `CREATE TABLE "${n}" (id INTEGER PRIMARY KEY, v TEXT)`, [[1, "a"]]);
    const id = await newBranch();
    await branchWrite(id, table, [{ id: 2, v: "b" }]);
    expect(await userTablesIn(id)).toEqual([table]);
    const res = await api("POST", `/v1/branches/${id}/discard`);
    expect(res.body).toMatchObject({ branch_id: id, status: "discarded" });
    expect(res.body.closed_at).not.toBeNull();
    expect(await userTablesIn(id)).toEqual([]);
    expectError(await branchWrite(id, table, [{ id: 3, v: "c" }]), 409, "conflict");
    expectError(await branchQuery(id, `INSERT INTO ${table} VALUES (4, 'd')`), 409, "conflict");
    expectError(await merge(id, { strategy: "branch_wins" }), 409, "conflict");
    expectError(await api("POST", `/v1/branches/${id}/discard`), 409, "conflict");
    expect(await count("SELECT count(*) AS n FROM _audit_log WHERE action = 'branch:discard' AND resource = ?", `branch:${id}`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM "${table}"`)).toBe(1);
  });

  it("expires a branch at its TTL by its own alarm", async () => {
    const table = await mainTable((n) => `CREATE TABLE "${n}" (id INTEGER PRIMARY KEY, v TEXT)`, [[1, "a"]]);
    const id = await newBranch(undefined, { ttl_seconds: 60 });
    await branchWrite(id, table, [{ id: 2, v: "b" }]);
    // The alarm is set for the expiry; bring the expiry to now and let the alarm run.
    await env.DB.prepare("UPDATE _branches SET expires_at = ? WHERE branch_id = ?").bind(new Date(Date.now() - 1000).toISOString(), id).run();
    expect(await runDurableObjectAlarm(stubOf(id))).toBe(true);
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("expired");
    expect(await count("SELECT count(*) AS n FROM _branches WHERE branch_id = ? AND status = 'expired'", id)).toBe(1);
    expect(await userTablesIn(id)).toEqual([]);
    expect(await count("SELECT count(*) AS n FROM _audit_log WHERE action = 'branch:expire' AND resource = ?", `branch:${id}`)).toBe(1);
    expectError(await branchWrite(id, table, [{ id: 3, v: "c" }]), 409, "conflict");
  });

  it("expires branches that never ran an object on the cron sweep, and reports them expired at once", async () => {
    const id = await newBranch(undefined, { ttl_seconds: 60 });
    await env.DB.prepare("UPDATE _branches SET expires_at = ? WHERE branch_id = ?").bind(new Date(Date.now() - 1000).toISOString(), id).run();
    expect((await api("GET", `/v1/branches/${id}`)).body.status).toBe("expired");
    expectError(await branchWrite(id, "anything", [{ id: 1 }]), 409, "conflict");
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("SELECT count(*) AS n FROM _branches WHERE branch_id = ? AND status = 'expired' AND closed_at IS NOT NULL", id)).toBe(1);
    const expired = await api("GET", "/v1/branches?status=expired&limit=100");
    expect(expired.body.items.map((b: { branch_id: string }) => b.branch_id)).toContain(id);
  });

  it("uses the deployment's BRANCH_TTL_SECONDS without ttl_seconds, and the request's with it", async () => {
    const a = await api("POST", "/v1/branches", { body: { label: "default-ttl" } });
    const b = await api("POST", "/v1/branches", { body: { label: "short-ttl", ttl_seconds: 120 } });
    expect(Date.parse(a.body.expires_at) - Date.parse(a.body.created_at)).toBe(Number(env.BRANCH_TTL_SECONDS) * 1000);
    expect(Date.parse(b.body.expires_at) - Date.parse(b.body.created_at)).toBe(120_000);
  });

  it("creates one branch per Idempotency-Key", async () => {
    const headers = { "idempotency-key": `br-${Date.now()}` };
    const first = await api("POST", "/v1/branches", { body: { label: "once" }, headers });
    const again = await api("POST", "/v1/branches", { body: { label: "once" }, headers });
    expect(again.body.branch_id).toBe(first.body.branch_id);
    expect(await count("SELECT count(*) AS n FROM _branches WHERE branch_id = ?", first.body.branch_id)).toBe(1);
  });
});
