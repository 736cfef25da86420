import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, count, expectError } from "../helpers";
import { callTool } from "../mcp/helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import { EMAIL, REDACT, REJECT, agentWithKey, clearDeploymentRules, deploymentRules, expectNoPiiInD1, expectRefusal, violationsOf } from "./guard-helpers";

// Races, restarts and the other ways in: what the guard rails promise must hold under 20–50 concurrent
// requests, across a run object's restart, through MCP, and for the violations table itself.

afterEach(async () => {
  vi.useRealTimers();
  await clearDeploymentRules();
});

describe("races", () => {
  it("admits exactly requests_per_minute of 40 concurrent requests, and records the refusals once", async () => {
    const a = await agentWithKey("race");
    await deploymentRules({ requests_per_minute: 10 });
    vi.useFakeTimers({ toFake: ["Date"] });
    const answers = await Promise.all(Array.from({ length: 40 }, () => api("GET", "/v1/whoami", { key: a.key })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 429 && r.body.error.code === "rate_limited")).toHaveLength(30);
    expect(await violationsOf(a.agentId)).toHaveLength(1);
  });

  it("redacts every one of 30 concurrent memory stores, and records one violation each", async () => {
    const a = await agentWithKey("race");
    await deploymentRules(REDACT);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, content: `note ${i} for ${EMAIL}` } })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(201));
    expect(new Set(answers.map((r) => r.body.content))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `note ${i} for [REDACTED:email]`)));
    expect(await violationsOf(a.agentId)).toHaveLength(30);
    await expectNoPiiInD1();
  });

  it("refuses all of 25 concurrent inbox sends carrying PII under reject, and delivers none", async () => {
    const [from, to] = [await agentWithKey("rf"), await agentWithKey("rt")];
    await deploymentRules(REJECT);
    const answers = await Promise.all(Array.from({ length: 25 }, () => api("POST", `/v1/inbox/${to.agentId}/messages`, { key: from.key, body: { body: EMAIL } })));
    for (const answer of answers) expectRefusal(answer, "pii", "body", "email");
    expect((await api("GET", `/v1/inbox/${to.agentId}`, { key: to.key })).body.items).toEqual([]);
  });
});

describe("faults", () => {
  it("keeps a run's rules across its object's restart: a completion after it is still refused", async () => {
    const [a, b] = [await agentWithKey("ev"), await agentWithKey("evb")];
    const name = workflowName("evict");
    expect((await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`)).status).toBe(201);
    await deploymentRules(REJECT);
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    // The deployment's rules change, and the run's object restarts: the run keeps what it started with.
    await clearDeploymentRules();
    await evictDurableObject(env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(started.body.run_id)));
    const [task] = (await api("GET", `/v1/inbox/${a.agentId}?kind=task`, { key: a.key })).body.items;
    expectRefusal(await api("POST", `/v1/tasks/${task.task_id}/complete`, { key: a.key, body: { output: EMAIL } }), "pii", "output", "email");
  });

  it("answers the same refusal through MCP, as a tool error result", async () => {
    const a = await agentWithKey("mcp");
    await deploymentRules(REJECT);
    const call = await callTool(a.key, "store_memory", { content: `call ${EMAIL}` });
    expect(call.result.isError).toBe(true);
    expect(call.value).toMatchObject({ error: { code: "guard_rail", details: { rule: "pii", path: "content", kind: "email" } } });
    expect(await count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", a.agentId)).toBe(0);
    await deploymentRules(REDACT);
    expect((await callTool(a.key, "store_memory", { content: `call ${EMAIL}` })).value).toMatchObject({ content: "call [REDACTED:email]" });
  });
});

describe("_guard_rail_violations", () => {
  it("is readable with SQL (HatiData-style supervisors count violations per agent) and never writable", async () => {
    const a = await agentWithKey("sql");
    await deploymentRules(REJECT);
    await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: EMAIL } });
    const reader = await agentWithKey("sqlr");
    const read = await api("POST", "/v1/query", {
      key: reader.key,
      body: { sql: "SELECT agent_id, rule, kind, path, mode, action, resource, run_id, task_id FROM _guard_rail_violations WHERE agent_id = ?", params: [a.agentId] },
    });
    expect(read.body.rows).toEqual([{ agent_id: a.agentId, rule: "pii", kind: "email", path: "value", mode: "reject", action: "state:write", resource: `state:${a.agentId}/k`, run_id: null, task_id: null }]);
    for (const sql of ["DELETE FROM _guard_rail_violations", "UPDATE _guard_rail_violations SET mode = 'redact'", "INSERT INTO _guard_rail_violations (violation_id) VALUES ('x')"])
      expectError(await api("POST", "/v1/query", { body: { sql } }), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _guard_rail_violations WHERE agent_id = ?", a.agentId)).toBe(1);
    expectError(await api("POST", "/v1/query", { body: { sql: "SELECT * FROM _guard_rails" } }), 403, "forbidden");
  });
});
