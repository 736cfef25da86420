import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LifecycleTrigger } from "../../durable-objects/lifecycle-trigger";
import { api, count, expectError, newAgent, uniqueId } from "../helpers";
import { decisionsOf, fireAlarm, putTriggered, rawTriggerStub, runsOf, triggerIds, useTestClock } from "./lifecycle-helpers";

const polling = (condition: string, interval = 10, max = 40) =>
  `  - type: polling\n    interval_seconds: ${interval}\n    backoff:\n      type: exponential\n      max_interval_seconds: ${max}\n    condition: "${condition}"\n`;

/** A table `<schema>_pending` of the data layer, and the schema-qualified name a warehouse condition uses for it. */
async function pendingTable() {
  const schema = uniqueId("st").replace(/[^a-z0-9]/g, "");
  const created = await api("POST", "/v1/query", { body: { sql: `CREATE TABLE ${schema}_pending (id INTEGER PRIMARY KEY, status TEXT)` } });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const insert = (status: string) => api("POST", "/v1/query", { body: { sql: `INSERT INTO ${schema}_pending (status) VALUES (?)`, params: [status] } });
  return { qualified: `${schema}.pending`, table: `${schema}_pending`, insert };
}

const state = async (name: string) => (await api("GET", `/v1/workflows/${name}/triggers`)).body.items[0].state;

describe("polling triggers", () => {
  it("doubles the interval while the condition is 0 (10, 20, 40, capped), then resets it and starts one run with the row", async () => {
    const clock = useTestClock("2026-06-10T12:00:00Z");
    const { qualified, table, insert } = await pendingTable();
    await insert("waiting");
    const { name, res } = await putTriggered(polling(`SELECT COUNT(*) AS ready FROM ${qualified} WHERE status = 'ready'`), { prefix: "poll" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [id] = await triggerIds(name);
    expect(await state(name)).toMatchObject({ current_interval_seconds: 10, polls: 0, condition_sql: `SELECT COUNT(*) AS ready FROM ${table} AS pending WHERE status = 'ready'` });

    const intervals: number[] = [];
    for (let poll = 0; poll < 4; poll++) {
      const waited = (await state(name)).current_interval_seconds as number;
      intervals.push(waited);
      // Never before the interval: one second early, nothing happens.
      clock.advance(waited * 1000 - 1000);
      await fireAlarm(id!);
      expect((await state(name)).polls).toBe(poll);
      clock.advance(waited * 100 + 1000); // the interval plus the most jitter (10%)
      await fireAlarm(id!);
      expect((await state(name)).polls).toBe(poll + 1);
    }
    expect(intervals).toEqual([10, 20, 40, 40]);
    expect((await decisionsOf(name)).map((d) => [d.decision, d.details?.interval_seconds])).toEqual([
      ["skipped", 40],
      ["skipped", 40],
      ["skipped", 40],
      ["skipped", 20],
    ]);
    expect(await runsOf(name)).toEqual([]);

    await insert("ready");
    clock.advance(44_000);
    await fireAlarm(id!);
    const runs = await runsOf(name);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toEqual({ type: "polling", poll: { number: 5, polled_at: new Date(clock.now).toISOString() }, trigger_id: id });
    expect((await api("GET", `/v1/runs/${runs[0]!.run_id}`)).body).toMatchObject({ input: { ready: 1 }, trigger: { type: "polling" } });
    expect(await state(name)).toMatchObject({ current_interval_seconds: 10, polls: 5 });
    const [fired] = await decisionsOf(name);
    expect(fired).toMatchObject({ decision: "fired", run_id: runs[0]!.run_id, details: { row: { ready: 1 }, interval_seconds: 10 } });
  });

  it("never has two polls of one trigger in flight: 20 alarms and 20 safety-net ticks at once make one poll and start one run", async () => {
    const clock = useTestClock("2026-06-13T12:00:00Z");
    const { table, insert } = await pendingTable();
    await insert("ready");
    const { name } = await putTriggered(polling(`SELECT COUNT(*) FROM ${table} WHERE status = 'ready'`), { prefix: "poll" });
    const [id] = await triggerIds(name);
    clock.advance(11_000);
    await runInDurableObject(rawTriggerStub(id!), async (instance: LifecycleTrigger) => {
      await Promise.all([...Array.from({ length: 20 }, () => instance.alarm()), ...Array.from({ length: 20 }, () => instance.sync(id!, "sweep"))]);
    });
    expect((await state(name)).polls).toBe(1);
    expect(await runsOf(name)).toHaveLength(1);
  });

  it("refuses at PUT a condition that writes, names a table no one may read, or one its author may not read; nothing is stored", async () => {
    const author = await newAgent();
    const { table } = await pendingTable();
    const denied = await api("POST", "/v1/policies", {
      body: { effect: "deny", actions: ["query:read"], resources: [`table:${table}`], principals: [author.agentId], description: "not for this agent" },
    });
    expect(denied.status).toBe(201);
    const cases: [string, RegExp][] = [
      [`DELETE FROM ${table}`, /read-only/],
      [`INSERT INTO ${table} (status) VALUES ('x')`, /read-only/],
      ["SELECT COUNT(*) FROM _agent_keys", /_agent_keys/],
      ["SELECT COUNT(*) FROM _policies", /_policies/],
      [`SELECT COUNT(*) FROM ${table}`, new RegExp(`may not read table '${table}'`)],
      ["SELECT COUNT(*) FROM x WHERE id = ?", /parameters/],
      ["SELECT 1; SELECT 2", /one statement/i],
    ];
    for (const [condition, reason] of cases) {
      const name = uniqueId("poll-refused");
      const { res } = await putTriggered(polling(condition), { name, key: author.key, prefix: "poll" });
      expectError(res, 400, "invalid_request");
      const issue = (res.body.error.details as { path: string; message: string; line: number | null }[])[0]!;
      expect(issue.path, condition).toBe("triggers[0].condition");
      expect(issue.message, condition).toMatch(reason);
      expect(issue.line).toBeGreaterThan(0);
      expect(await count("SELECT COUNT(*) AS n FROM _workflows WHERE name = ?", name)).toBe(0);
      expect(await count("SELECT COUNT(*) AS n FROM _lifecycle_triggers WHERE workflow = ?", name)).toBe(0);
    }
  });

  it("checks the condition again at each poll, as the author: a policy added later makes the poll fail (recorded), back off, and start nothing", async () => {
    const clock = useTestClock("2026-06-11T12:00:00Z");
    const author = await newAgent();
    const { table, insert } = await pendingTable();
    await insert("ready");
    const { name, res } = await putTriggered(polling(`SELECT COUNT(*) FROM ${table} WHERE status = 'ready'`), { key: author.key, prefix: "poll" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [id] = await triggerIds(name);
    const policy = await api("POST", "/v1/policies", { body: { effect: "deny", actions: ["query:read"], resources: [`table:${table}`], principals: [author.agentId] } });
    clock.advance(11_000);
    await fireAlarm(id!);
    const [failed] = await decisionsOf(name);
    expect(failed).toMatchObject({ decision: "failed", details: { error: { code: "refused" }, interval_seconds: 20 } });
    expect(failed!.reason).toMatch(new RegExp(`may not read table '${table}'`));
    expect(await runsOf(name)).toEqual([]);
    // A condition that fails in the database (its table dropped since) is recorded and backs off the same way.
    expect((await api("DELETE", `/v1/policies/${policy.body.policy_id}`)).status).toBe(200);
    expect((await api("POST", "/v1/query", { body: { sql: `DROP TABLE ${table}` } })).status).toBe(200);
    clock.advance(22_000);
    await fireAlarm(id!);
    const [broken] = await decisionsOf(name);
    expect(broken).toMatchObject({ decision: "failed", details: { error: { code: "unprocessable" }, interval_seconds: 40 } });
    expect(broken!.reason).toMatch(/no such table/);
    expect(await runsOf(name)).toEqual([]);
  });

  it("runs the condition of an admin-token workflow with the admin's reach, and reads a schema-qualified name as <schema>_<table>", async () => {
    const clock = useTestClock("2026-06-12T12:00:00Z");
    const { qualified, insert } = await pendingTable();
    await insert("ready");
    const { name } = await putTriggered(polling(`SELECT status, id FROM ${qualified} p WHERE p.status = 'ready'`), { prefix: "poll" });
    const [id] = await triggerIds(name);
    clock.advance(11_000);
    await fireAlarm(id!);
    const runs = await runsOf(name);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.started_by).toBe("admin");
    expect((await api("GET", `/v1/runs/${runs[0]!.run_id}`)).body.input).toEqual({ status: "ready", id: 1 });
  });
});
