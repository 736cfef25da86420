import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, count, expectError, stringOfJsonBytes } from "../helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import { type Agent, agentWithKey, clearDeploymentRules, deploymentRules, expectRefusal, violationsOf } from "./guard-helpers";

// Each limit end to end, over HTTP: max_run_seconds, max_tasks_per_run, max_tokens_per_task,
// max_message_bytes and requests_per_minute, at whichever level sets them (the strictest wins).

afterEach(async () => {
  vi.useRealTimers();
  await clearDeploymentRules();
});

const tasksOf = async (agent: Agent) => (await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key })).body.items as { task_id: string; run_id: string; input: unknown }[];
const complete = (agent: Agent, taskId: string, body: unknown) => api("POST", `/v1/tasks/${taskId}/complete`, { key: agent.key, body });
const runStub = (runId: string) => env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(runId));

/** a → b (and back, with `cycle`), with the workflow's own guard rails and versions. */
async function flow(options: { cycle?: boolean; guardRails?: string; versions?: { a?: string; b?: string }; a?: Agent } = {}) {
  const [a, b] = [options.a ?? (await agentWithKey("la")), await agentWithKey("lb")];
  const name = workflowName("lim");
  const yaml = `agents:
  - {name: ${a.agentId}, version: "${options.versions?.a ?? "1.0.0"}"}
  - {name: ${b.agentId}, version: "${options.versions?.b ?? "1.0.0"}"}
coordination:
  pattern: message-passing
  flow:
    - {from: ${a.agentId}, to: ${b.agentId}, message: {schema: note}}
${options.cycle ? `    - {from: ${b.agentId}, to: ${b.agentId}}\n` : ""}${options.guardRails ? `guard_rails: ${options.guardRails}\n` : ""}`;
  return { a, b, name, yaml };
}

async function saved(options: Parameters<typeof flow>[0] = {}) {
  const f = await flow(options);
  const put = await putWorkflow(undefined, f.name, f.yaml);
  if (put.status !== 201) throw new Error(JSON.stringify(put.body));
  return f;
}

describe("max_run_seconds", () => {
  it("ends a run still running past it as timed_out, its open tasks cancelled (deployment rule)", async () => {
    await deploymentRules({ max_run_seconds: 120 });
    const { a, name } = await saved();
    vi.useFakeTimers({ toFake: ["Date"] });
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [task] = await tasksOf(a);
    vi.advanceTimersByTime(119_000);
    await runDurableObjectAlarm(runStub(started.body.run_id));
    expect((await api("GET", `/v1/runs/${started.body.run_id}`)).body.status).toBe("running");
    vi.advanceTimersByTime(2_000);
    await runDurableObjectAlarm(runStub(started.body.run_id));
    const run = await api("GET", `/v1/runs/${started.body.run_id}`);
    expect(run.body).toMatchObject({ status: "timed_out", error: { code: "max_run_seconds" } });
    expect((await api("GET", `/v1/tasks/${task!.task_id}`)).body).toMatchObject({ status: "cancelled", error: { code: "run_ended" } });
    expectError(await complete(a, task!.task_id, { output: "late" }), 409, "conflict");
    const [violation] = await violationsOf(a.agentId);
    expect(violation).toMatchObject({ rule: "max_run_seconds", mode: "reject", action: "workflow:run", run_id: started.body.run_id });
  });
});

describe("max_tasks_per_run", () => {
  it("fails the run at the task past it, set by the workflow (a review loop that does not end)", async () => {
    const { a, b, name } = await saved({ cycle: true, guardRails: "{max_tasks_per_run: 3}" });
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [t1] = await tasksOf(a);
    expect((await complete(a, t1!.task_id, { output: "draft" })).status).toBe(200);
    const [t2] = await tasksOf(b);
    expect((await complete(b, t2!.task_id, { output: "review" })).status).toBe(200);
    const [t3] = await tasksOf(b);
    expect((await complete(b, t3!.task_id, { output: "review 2" })).status).toBe(200);
    const run = await api("GET", `/v1/runs/${started.body.run_id}`);
    expect(run.body).toMatchObject({ status: "failed", error: { code: "max_tasks_per_run", limit: 3, agent_id: b.agentId } });
    expect(run.body.tasks).toHaveLength(3);
    expect(await tasksOf(b)).toEqual([]);
    expect((await violationsOf(b.agentId)).map((v) => [v.rule, v.action, v.run_id])).toEqual([["max_tasks_per_run", "task:create", started.body.run_id]]);
  });
});

describe("max_tokens_per_task", () => {
  it("fails the task whose usage is over it (422), set by the agent's version; within it, the task succeeds", async () => {
    const a = await agentWithKey("tok");
    expect((await api("POST", `/v1/agents/${a.agentId}/versions`, { body: { version: "2.0.0", guard_rails: { max_tokens_per_task: 100 } } })).status).toBe(201);
    const b = await agentWithKey("tokb");
    const name = workflowName("tok");
    const yaml = `agents:
  - {name: ${a.agentId}, version: "2.0.0"}
  - {name: ${b.agentId}, version: "1.0.0"}
coordination:
  pattern: message-passing
  flow:
    - {from: ${a.agentId}, to: ${b.agentId}}
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const over = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [task] = await tasksOf(a);
    const refused = await complete(a, task!.task_id, { output: { summary: "x" }, usage: { tokens_in: 80, tokens_out: 40 } });
    expectRefusal(refused, "max_tokens_per_task", "usage");
    expect(refused.body.error.details).toMatchObject({ limit: 100, tokens: 120, task_status: "failed" });
    expect((await api("GET", `/v1/tasks/${task!.task_id}`)).body).toMatchObject({ status: "failed", output: null, usage: { tokens_in: 80, tokens_out: 40 }, error: { code: "guard_rail", rule: "max_tokens_per_task" } });
    expect((await api("GET", `/v1/runs/${over.body.run_id}`)).body.status).toBe("failed");
    expect(await count("SELECT COUNT(*) AS n FROM _tasks WHERE task_id = ? AND status = 'failed' AND error_code = 'guard_rail' AND tokens_in = 80", task!.task_id)).toBe(1);

    await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [within] = await tasksOf(a);
    expect((await complete(a, within!.task_id, { output: { summary: "x" }, usage: { tokens_in: 60, tokens_out: 40 } })).body.status).toBe("succeeded");
  });
});

describe("max_message_bytes", () => {
  it("refuses an inbox message, a run message and a run's input over it (422), and takes one at exactly the limit", async () => {
    await deploymentRules({ max_message_bytes: 200 });
    const { a, b, name } = await saved();
    const inbox = (body: unknown) => api("POST", `/v1/inbox/${b.agentId}/messages`, { key: a.key, body: { body } });
    expect((await inbox(stringOfJsonBytes(200))).status).toBe(201);
    const over = await inbox(stringOfJsonBytes(201));
    expectRefusal(over, "max_message_bytes", "body");
    expect(over.body.error.details).toMatchObject({ limit: 200, size_bytes: 201 });
    expectRefusal(await api("POST", `/v1/inbox/${b.agentId}/messages/batch`, { key: a.key, body: { messages: [{ body: "a" }, { body: stringOfJsonBytes(300) }] } }), "max_message_bytes", "messages[1].body");

    expectRefusal(await api("POST", `/v1/workflows/${name}/runs`, { key: a.key, body: { input: stringOfJsonBytes(201) } }), "max_message_bytes", "input");
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key, body: { input: "small" } });
    const sent = await api("POST", `/v1/runs/${started.body.run_id}/messages`, { key: a.key, body: { to: b.agentId, schema: "note", body: stringOfJsonBytes(201) } });
    expectRefusal(sent, "max_message_bytes", "body");
    expect((await api("GET", `/v1/runs/${started.body.run_id}/messages`)).body.items).toEqual([]);
    // The refused message failed its sender's task, and so the run; the task was taken back from a's inbox.
    expect((await api("GET", `/v1/runs/${started.body.run_id}`)).body.status).toBe("failed");
    expect(await tasksOf(a)).toEqual([]);
    // A task's output travels as a message too: over the limit, the run fails with guard_rail.
    const second = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key, body: { input: "small" } });
    const [next] = await tasksOf(a);
    expect(next!.run_id).toBe(second.body.run_id);
    expect((await complete(a, next!.task_id, { output: stringOfJsonBytes(201) })).status).toBe(200);
    expect((await api("GET", `/v1/runs/${second.body.run_id}`)).body).toMatchObject({ status: "failed", error: { code: "guard_rail", rule: "max_message_bytes" } });
  });
});

describe("requests_per_minute", () => {
  it("answers 429 with Retry-After past the limit, counts no refused request, and lets the agent back in after the window", async () => {
    const [a, other] = [await agentWithKey("rpm"), await agentWithKey("rpm2")];
    await deploymentRules({ requests_per_minute: 5 });
    vi.useFakeTimers({ toFake: ["Date"] });
    const whoami = (agent: Agent) => api("GET", "/v1/whoami", { key: agent.key });
    for (let i = 0; i < 5; i++) expect((await whoami(a)).status).toBe(200);
    vi.advanceTimersByTime(20_000);
    const refused = await whoami(a);
    expectError(refused, 429, "rate_limited");
    expect(refused.body.error.details).toEqual({ rule: "requests_per_minute", limit: 5, retry_after_seconds: 40 });
    expect(refused.headers.get("retry-after")).toBe("40");
    // Every route, reads that start ahead of authentication included; other agents and the admin token are not held back.
    expectError(await api("GET", `/v1/state/${a.agentId}/k`, { key: a.key }), 429, "rate_limited");
    expectError(await api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, content: "x" } }), 429, "rate_limited");
    expect((await whoami(other)).status).toBe(200);
    expect((await api("GET", "/v1/whoami")).status).toBe(200);

    vi.advanceTimersByTime(40_000);
    // The refused requests counted for nothing: a full minute's worth again.
    for (let i = 0; i < 5; i++) expect((await whoami(a)).status).toBe(200);
    expectError(await whoami(a), 429, "rate_limited");
    // One violation per window it was refused in, not one per refused request.
    expect((await violationsOf(a.agentId)).map((v) => [v.rule, v.action, v.resource, v.mode])).toEqual([
      ["requests_per_minute", "request", `agent:${a.agentId}`, "reject"],
      ["requests_per_minute", "request", `agent:${a.agentId}`, "reject"],
    ]);
  });

  it("limits an agent's requests into a run when the workflow sets it (429 from the run)", async () => {
    const { a, name } = await saved({ guardRails: "{requests_per_minute: 2}" });
    vi.useFakeTimers({ toFake: ["Date"] });
    await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [task] = await tasksOf(a);
    const heartbeat = () => api("POST", `/v1/tasks/${task!.task_id}/heartbeat`, { key: a.key });
    expect((await heartbeat()).status).toBe(200);
    expect((await heartbeat()).status).toBe(200);
    const refused = await heartbeat();
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Requests outside the run are the deployment's business (no rule there).
    expect((await api("GET", "/v1/whoami", { key: a.key })).status).toBe(200);
    vi.advanceTimersByTime(61_000);
    expect((await complete(a, task!.task_id, { output: "ok" })).status).toBe(200);
  });
});

describe("levels: the strictest wins", () => {
  it("merges the deployment's, the workflow's and the version's: the smallest limit, every PII kind, reject over redact", async () => {
    await deploymentRules({ max_tokens_per_task: 1000, pii: { detect: ["email"], mode: "redact" } });
    const a = await agentWithKey("lv");
    await api("POST", `/v1/agents/${a.agentId}/versions`, { body: { version: "3.0.0", guard_rails: { max_tokens_per_task: 50 } } });
    const { b, name, yaml } = await flow({ guardRails: "{max_tokens_per_task: 500, pii: {detect: [ssn], mode: reject}}", versions: { a: "3.0.0" }, a });
    const put = await putWorkflow(undefined, name, yaml);
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    // The run's input: email (the deployment's kind) under reject (the workflow's mode).
    expectRefusal(await api("POST", `/v1/workflows/${name}/runs`, { key: a.key, body: { input: "ann.lee@northwind-mail.org" } }), "pii", "input", "email");
    await api("POST", `/v1/workflows/${name}/runs`, { key: a.key, body: { input: "fine" } });
    const [task] = await tasksOf(a);
    expectRefusal(await complete(a, task!.task_id, { output: "x", usage: { tokens_in: 30, tokens_out: 30 } }), "max_tokens_per_task", "usage");
    // Outside the run only the deployment's rules hold: email is redacted there, SSNs pass.
    const memory = await api("POST", "/v1/memory", { key: b.key, body: { agent_id: b.agentId, content: "ann.lee@northwind-mail.org 219-45-6789" } });
    expect(memory.body.content).toBe("[REDACTED:email] 219-45-6789");
  });
});
