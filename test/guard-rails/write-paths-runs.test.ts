import { afterEach, describe, expect, it } from "vitest";
import { api, count } from "../helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import {
  type Agent,
  EMAIL,
  REDACT,
  REJECT,
  SSN,
  agentWithKey,
  clearDeploymentRules,
  deploymentRules,
  expectNoPii,
  expectNoPiiInD1,
  expectRefusal,
  violationsOf,
} from "./guard-helpers";

// Inside runs: task inputs (the run's input, messages, delegations), task outputs, run messages and run
// state, for workflows with no guard rails of their own: the deployment's rules alone cover them.

afterEach(clearDeploymentRules);

const tasksOf = async (agent: Agent) => (await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key })).body.items as { task_id: string; run_id: string; input: unknown }[];
const complete = (agent: Agent, taskId: string, body: unknown) => api("POST", `/v1/tasks/${taskId}/complete`, { key: agent.key, body });
const start = (agent: Agent, name: string, input: unknown) => api("POST", `/v1/workflows/${name}/runs`, { key: agent.key, body: { input } });

/** A message-passing workflow a → b whose edge carries the (undefined, so unchecked) schema `note`. */
async function flow() {
  const [a, b] = [await agentWithKey("mpa"), await agentWithKey("mpb")];
  const name = workflowName("grmp");
  const yaml = `coordination:
  pattern: message-passing
  flow:
    - {from: ${a.agentId}, to: ${b.agentId}, message: {schema: note}}
`;
  expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
  return { a, b, name };
}

/** A shared-state workflow: w writes `k`, r reads it. */
async function sharedState() {
  const [w, r] = [await agentWithKey("ssw"), await agentWithKey("ssr")];
  const name = workflowName("grss");
  const yaml = `coordination:
  pattern: shared-state
  state_store: {type: key-value, conflict_resolution: last-write-wins}
  agents:
    - {name: ${w.agentId}, reads: [], writes: [k]}
    - {name: ${r.agentId}, reads: [k], writes: []}
`;
  expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
  return { w, r, name };
}

describe("a run's input (the first tasks' input)", () => {
  it("refuses the start under reject (nothing created), and starts with the redaction under redact", async () => {
    const { a, b, name } = await flow();
    await deploymentRules(REJECT);
    const refused = await start(a, name, { customer: { email: EMAIL } });
    expectRefusal(refused, "pii", "input.customer.email", "email");
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ?", name)).toBe(0);
    expect(await tasksOf(a)).toEqual([]);

    await deploymentRules(REDACT);
    const started = await start(a, name, { customer: { email: EMAIL }, ssn: SSN });
    expect(started.status).toBe(201);
    expect(started.body.input).toEqual({ customer: { email: "[REDACTED:email]" }, ssn: "[REDACTED:ssn]" });
    const [task] = await tasksOf(a);
    expect(task!.input).toEqual(started.body.input);
    expect((await violationsOf(a.agentId)).map((v) => [v.path, v.mode, v.action, v.resource])).toEqual([
      ["input.customer.email", "reject", "workflow:run", `workflow:${name}`],
      ["input.customer.email", "redact", "workflow:run", `workflow:${name}`],
      ["input.ssn", "redact", "workflow:run", `workflow:${name}`],
    ]);
    void b;
  });
});

describe("task outputs, and the next task's input they become", () => {
  it("fails the task (and so the run) under reject: 422, the output is stored nowhere, the next agent gets nothing", async () => {
    const { a, b, name } = await flow();
    await deploymentRules(REJECT);
    const started = await start(a, name, { quarter: "Q3" });
    const [task] = await tasksOf(a);
    const refused = await complete(a, task!.task_id, { output: { summary: "done", contact: EMAIL } });
    expectRefusal(refused, "pii", "output.contact", "email");
    expect(refused.body.error.details).toMatchObject({ task_id: task!.task_id, task_status: "failed" });
    const view = await api("GET", `/v1/tasks/${task!.task_id}`, { key: a.key });
    expect(view.body).toMatchObject({ status: "failed", output: null, error: { code: "guard_rail", rule: "pii", path: "output.contact", kind: "email" } });
    const run = await api("GET", `/v1/runs/${started.body.run_id}`, { key: a.key });
    expect(run.body).toMatchObject({ status: "failed", error: { code: "task_failed", task_id: task!.task_id, task_error: { code: "guard_rail" } } });
    expectNoPii(JSON.stringify(run.body));
    expect(await tasksOf(b)).toEqual([]);
    const [violation] = await violationsOf(a.agentId);
    expect(violation).toMatchObject({ rule: "pii", kind: "email", path: "output.contact", mode: "reject", action: "task:complete", run_id: started.body.run_id, task_id: task!.task_id });
    await expectNoPiiInD1();
  });

  it("stores the redacted output under redact, and the next agent's task input is that redaction", async () => {
    const { a, b, name } = await flow();
    await deploymentRules(REDACT);
    await start(a, name, { quarter: "Q3" });
    const [task] = await tasksOf(a);
    const done = await complete(a, task!.task_id, { output: { summary: "done", contact: EMAIL } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "succeeded", output: { summary: "done", contact: "[REDACTED:email]" } });
    const [next] = await tasksOf(b);
    expect(next!.input).toEqual({ summary: "done", contact: "[REDACTED:email]" });
  });
});

describe("run messages (POST /v1/runs/{run_id}/messages)", () => {
  it("refuses a message under reject: nothing sent, no task for the recipient, the sender's task fails", async () => {
    const { a, b, name } = await flow();
    await deploymentRules(REJECT);
    const started = await start(a, name, null);
    const [task] = await tasksOf(a);
    const sent = await api("POST", `/v1/runs/${started.body.run_id}/messages`, { key: a.key, body: { to: b.agentId, schema: "note", body: { text: `ssn ${SSN}` } } });
    expectRefusal(sent, "pii", "body.text", "ssn");
    expect(sent.body.error.details).toMatchObject({ task_id: task!.task_id, task_status: "failed" });
    expect((await api("GET", `/v1/runs/${started.body.run_id}/messages`, { key: a.key })).body.items).toEqual([]);
    expect(await tasksOf(b)).toEqual([]);
    expect((await api("GET", `/v1/runs/${started.body.run_id}`, { key: a.key })).body.status).toBe("failed");
  });

  it("sends the redaction under redact: the message as stored and the recipient's task input", async () => {
    const { a, b, name } = await flow();
    await deploymentRules(REDACT);
    const started = await start(a, name, null);
    const sent = await api("POST", `/v1/runs/${started.body.run_id}/messages`, { key: a.key, body: { to: b.agentId, schema: "note", body: { text: `ssn ${SSN}` } } });
    expect(sent.status).toBe(201);
    expect(sent.body.items[0].body).toEqual({ text: "ssn [REDACTED:ssn]" });
    expect((await api("GET", `/v1/runs/${started.body.run_id}/messages`, { key: a.key })).body.items[0].body).toEqual({ text: "ssn [REDACTED:ssn]" });
    const [next] = await tasksOf(b);
    expect(next!.input).toEqual({ text: "ssn [REDACTED:ssn]" });
  });
});

describe("run state: PUT and a completion's state", () => {
  it("refuses a PUT and a completion's state under reject (nothing written, the writer's task fails)", async () => {
    const { w, name } = await sharedState();
    await deploymentRules(REJECT);
    const first = await start(w, name, null);
    const put = await api("PUT", `/v1/runs/${first.body.run_id}/state/k`, { key: w.key, body: { value: { owner: EMAIL } } });
    expectRefusal(put, "pii", "value.owner", "email");
    expect((await api("GET", `/v1/runs/${first.body.run_id}/state`)).body).toEqual({});
    expect((await api("GET", `/v1/runs/${first.body.run_id}`)).body).toMatchObject({ status: "failed", error: { code: "task_failed", task_error: { code: "guard_rail", path: "value.owner" } } });

    const second = await start(w, name, null);
    const task = (await tasksOf(w)).find((t) => t.run_id === second.body.run_id)!;
    expectRefusal(await complete(w, task.task_id, { output: "ok", state: { k: { owner: EMAIL } } }), "pii", "state.k.owner", "email");
    expect((await api("GET", `/v1/runs/${second.body.run_id}/state`)).body).toEqual({});
    expect((await api("GET", `/v1/tasks/${task.task_id}`)).body.status).toBe("failed");
    await expectNoPiiInD1();
  });

  it("writes the redaction under redact, and the reader's task starts with it", async () => {
    const { w, r, name } = await sharedState();
    await deploymentRules(REDACT);
    const started = await start(w, name, null);
    const put = await api("PUT", `/v1/runs/${started.body.run_id}/state/k`, { key: w.key, body: { value: { owner: EMAIL } } });
    expect(put.status).toBe(200);
    expect(put.body.value).toEqual({ owner: "[REDACTED:email]" });
    const [task] = await tasksOf(r);
    expect(task!.input).toMatchObject({ state: { k: { owner: "[REDACTED:email]" } } });
    expect((await api("GET", `/v1/runs/${started.body.run_id}/state/k/history`)).body.items.map((i: { value: unknown }) => i.value)).toEqual([{ owner: "[REDACTED:email]" }]);
  });
});

describe("delegations (a supervisor's task input for a worker)", () => {
  it("refuses a delegation carrying PII under reject, and hands the worker the redaction under redact", async () => {
    const [sup, worker] = [await agentWithKey("sup"), await agentWithKey("wrk")];
    const name = workflowName("grh");
    const yaml = `coordination:
  pattern: hierarchical
  supervisor: ${sup.agentId}
  workers:
    - {name: ${worker.agentId}, task: "Analyze"}
  aggregation: {strategy: collect, timeout_seconds: 300}
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const delegate = (runId: string, input: unknown) => api("POST", `/v1/runs/${runId}/delegate`, { key: sup.key, body: { worker: worker.agentId, input } });
    await deploymentRules(REJECT);
    const rejecting = await start(sup, name, null);
    expectRefusal(await delegate(rejecting.body.run_id, { contact: EMAIL }), "pii", "input.contact", "email");
    // The supervisor has no open task to fail; the worker has its starting task and nothing more.
    expect(await tasksOf(worker)).toHaveLength(1);
    // A run keeps the rules it started with: a run started now redacts.
    await deploymentRules(REDACT);
    const redacting = await start(sup, name, null);
    expect((await delegate(redacting.body.run_id, { contact: EMAIL })).body.input).toEqual({ contact: "[REDACTED:email]" });
    expect((await tasksOf(worker)).filter((t) => t.run_id === redacting.body.run_id).map((t) => t.input)).toEqual([{ task: "Analyze", run_input: null }, { contact: "[REDACTED:email]" }]);
    expectRefusal(await delegate(rejecting.body.run_id, { contact: EMAIL }), "pii", "input.contact", "email");
  });
});
