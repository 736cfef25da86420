import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { decisionsOf, fireAlarm, putTriggered, runsOf, triggerIds, useTestClock } from "../lifecycle/lifecycle-helpers";
import { query, valuesOf } from "./helpers";

// Lifecycle triggers and their decisions are readable with SQL under the row rule of their workflow: a
// caller denied `workflow:read` on a workflow sees none of its triggers or decisions (SQL or REST), and a
// polling condition, which runs as the workflow's author, counts only the rows its author may read.

const idlePoll = (condition = "SELECT 0") =>
  `  - type: polling\n    interval_seconds: 10\n    backoff:\n      type: exponential\n      max_interval_seconds: 40\n    condition: "${condition}"\n`;

async function denyWorkflowRead(agentId: string, workflow: string): Promise<void> {
  const policy = await api("POST", "/v1/policies", {
    body: { policy_id: uniqueId("deny-wf"), effect: "deny", actions: ["workflow:read"], resources: [`workflow:${workflow}`], principals: [agentId] },
  });
  expect(policy.status).toBe(201);
}

describe("lifecycle trigger rows under a workflow:read deny", () => {
  it("hides the denied workflow's rows in _lifecycle_triggers and _trigger_decisions, and its listing; _hook_keys is never readable", async () => {
    const clock = useTestClock("2026-07-01T12:00:00Z");
    const secret = (await putTriggered(idlePoll(), { prefix: "rows-secret" })).name;
    const open = (await putTriggered(idlePoll(), { prefix: "rows-open" })).name;
    clock.advance(11_000);
    for (const name of [secret, open]) {
      const [id] = await triggerIds(name);
      await fireAlarm(id!);
      expect((await decisionsOf(name)).map((d) => d.decision)).toEqual(["skipped"]);
    }
    const reader = await newAgent("reader");
    await denyWorkflowRead(reader.agentId, secret);

    for (const table of ["_lifecycle_triggers", "_trigger_decisions"]) {
      const sql = `SELECT workflow FROM ${table} WHERE workflow IN (?, ?)`;
      expect(valuesOf(await query(sql, { key: reader.key, params: [secret, open] }), "workflow"), table).toEqual([open]);
      // The admin sees both.
      expect(valuesOf(await query(sql, { params: [secret, open] }), "workflow"), table).toEqual([open, secret].sort());
    }
    // Through a join and a subquery too.
    const joined = await query(
      "SELECT t.workflow FROM _lifecycle_triggers t JOIN _trigger_decisions d ON d.trigger_id = t.trigger_id WHERE t.workflow IN (SELECT workflow FROM _trigger_decisions WHERE workflow IN (?, ?))",
      { key: reader.key, params: [secret, open] },
    );
    expect(valuesOf(joined, "workflow")).toEqual([open]);
    expectError(await api("GET", `/v1/workflows/${secret}/triggers`, { key: reader.key }), 403, "forbidden");
    expect((await api("GET", `/v1/workflows/${open}/triggers`, { key: reader.key })).status).toBe(200);

    for (const key of [reader.key, undefined]) expectError(await query("SELECT COUNT(*) FROM _hook_keys", { key }), 403, "forbidden");
  });

  it("counts, in a polling condition, only the rows the workflow's author may read", async () => {
    const clock = useTestClock("2026-07-02T12:00:00Z");
    const secret = (await putTriggered(idlePoll(), { prefix: "rows-hidden" })).name;
    expect((await api("POST", `/v1/workflows/${secret}/runs`)).status).toBe(201);
    const author = await newAgent();
    await denyWorkflowRead(author.agentId, secret);
    const condition = `SELECT COUNT(*) AS seen FROM _runs WHERE workflow = '${secret}'`;
    const blind = await putTriggered(idlePoll(condition), { key: author.key, prefix: "rows-blind" });
    expect(blind.res.status, JSON.stringify(blind.res.body)).toBe(201);
    const sighted = await putTriggered(idlePoll(condition), { prefix: "rows-sighted" });
    clock.advance(11_000);
    for (const { name } of [blind, sighted]) await fireAlarm((await triggerIds(name))[0]!);

    // The author's poll sees no run of the workflow it may not read: idle, nothing started.
    expect((await decisionsOf(blind.name)).map((d) => d.decision)).toEqual(["skipped"]);
    expect(await runsOf(blind.name)).toEqual([]);
    // The admin's identical poll sees the run and starts one, with the count as its input.
    const runs = await runsOf(sighted.name);
    expect(runs).toHaveLength(1);
    expect((await api("GET", `/v1/runs/${runs[0]!.run_id}`)).body.input).toEqual({ seen: 1 });
  });
});
