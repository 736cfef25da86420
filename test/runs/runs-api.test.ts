import { describe, expect, it } from "vitest";
import { api, count, expectError, uniqueId } from "../helpers";
import { ensureVersion, putWorkflow, workflowName } from "../workflows/workflow-helpers";

/** An agent with a published version and a key of its own. */
async function agentWithKey(prefix: string, version = "1.0.0", body: Record<string, unknown> = {}) {
  const agentId = uniqueId(prefix);
  await ensureVersion(agentId, version);
  if (Object.keys(body).length > 0) await api("POST", `/v1/agents/${agentId}/versions`, { body: { version: "2.0.0", ...body } });
  const key = await api("POST", `/v1/agents/${agentId}/keys`);
  return { agentId, key: key.body.api_key as string };
}

const pollTasks = async (agent: { agentId: string; key: string }) => {
  const res = await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key });
  expect(res.status).toBe(200);
  return res.body.items as { task_id: string; input: unknown; version: string; kind: string }[];
};

const complete = (agent: { key: string }, taskId: string, body: unknown) => api("POST", `/v1/tasks/${taskId}/complete`, { key: agent.key, body });

describe("runs over HTTP", () => {
  it("starts a hierarchical run: every worker's task is pollable at once; the synthesis ends it", async () => {
    const sup = await agentWithKey("exec");
    const workers = await Promise.all(["sales", "marketing", "ops"].map((p) => agentWithKey(p)));
    const name = workflowName("hier");
    const yaml = `coordination:
  pattern: hierarchical
  supervisor: ${sup.agentId}
  workers:
${workers.map((w) => `    - name: ${w.agentId}\n      task: "Analyze ${w.agentId}"`).join("\n")}
  aggregation:
    strategy: supervisor-synthesis
    timeout_seconds: 300
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: sup.key, body: { input: { quarter: "Q3" } }, headers: { "idempotency-key": `start-${name}` } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ workflow: name, revision: 1, status: "running", trigger: { type: "manual" }, input: { quarter: "Q3" } });
    // A retried start with the same key is the same run.
    const again = await api("POST", `/v1/workflows/${name}/runs`, { key: sup.key, body: { input: { quarter: "Q3" } }, headers: { "idempotency-key": `start-${name}` } });
    expect(again.body.run_id).toBe(started.body.run_id);
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ?", name)).toBe(1);

    const tasks = await Promise.all(workers.map(pollTasks));
    expect(tasks.map((t) => t.length)).toEqual([1, 1, 1]);
    for (const [i, w] of workers.entries()) expect((await complete(w, tasks[i]![0]!.task_id, { output: { ok: i } })).status).toBe(200);
    const [synthesis] = await pollTasks(sup);
    expect((synthesis!.input as { results: unknown[] }).results).toHaveLength(3);
    expect((await complete(sup, synthesis!.task_id, { output: { summary: "fine" }, usage: { tokens_in: 10, tokens_out: 5 } })).status).toBe(200);

    const run = await api("GET", `/v1/runs/${started.body.run_id}`, { key: workers[0]!.key });
    expect(run.body).toMatchObject({ status: "succeeded", output: { summary: "fine" } });
    const listed = await api("GET", `/v1/runs?workflow=${name}&status=succeeded`);
    expect(listed.body.items.map((r: { run_id: string }) => r.run_id)).toEqual([started.body.run_id]);
    const sql = await api("POST", "/v1/query", { body: { sql: "SELECT agent_id, status, tokens_in FROM _tasks WHERE run_id = ? ORDER BY task_id", params: [started.body.run_id] } });
    expect(sql.body.rows.at(-1)).toEqual({ agent_id: sup.agentId, status: "succeeded", tokens_in: 10 });
  });

  it("refuses another agent's completion (403, recorded), a second completion (409), and an output off the output_schema (400, nothing stored)", async () => {
    const a = await agentWithKey("writer");
    const b = await agentWithKey("reader");
    await api("POST", `/v1/agents/${a.agentId}/versions`, { body: { version: "1.1.0", output_schema: { type: "object", required: ["rows"] } } });
    const name = workflowName("mp");
    const yaml = `agents:
  - {name: ${a.agentId}, version: "1.1.0"}
  - {name: ${b.agentId}, version: "1.0.0"}
coordination:
  pattern: message-passing
  flow:
    - {from: ${a.agentId}, to: ${b.agentId}}
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const [task] = await pollTasks(a);
    expect(task!.version).toBe("1.1.0");

    const forged = await complete(b, task!.task_id, { output: { rows: [] } });
    expectError(forged, 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'task:complete'", b.agentId)).toBe(1);

    const bad = await complete(a, task!.task_id, { output: { nope: true } });
    expectError(bad, 400, "invalid_request");
    expect((await api("GET", `/v1/tasks/${task!.task_id}`)).body.status).toBe("running");
    expect(await pollTasks(b)).toEqual([]);

    expect((await complete(a, task!.task_id, { output: { rows: [1] } })).status).toBe(200);
    expectError(await complete(a, task!.task_id, { output: { rows: [2] } }), 409, "conflict");
    const [next] = await pollTasks(b);
    expect(next!.input).toEqual({ rows: [1] });
    expect((await api("GET", `/v1/runs/${started.body.run_id}/messages`)).body.items).toHaveLength(1);
  });

  it("refuses a message off the declared flow with 403 and a denial, and a delegation by a worker", async () => {
    const a = await agentWithKey("from");
    const b = await agentWithKey("to");
    const name = workflowName("flow");
    await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}, message: {schema: note}}\n`);
    const started = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    const off = await api("POST", `/v1/runs/${started.body.run_id}/messages`, { key: b.key, body: { to: a.agentId, schema: "note", body: "hi" } });
    expectError(off, 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = ?", b.agentId, `workflow:${name}`)).toBe(1);
    const on = await api("POST", `/v1/runs/${started.body.run_id}/messages`, { key: a.key, body: { schema: "note", body: "hello" } });
    expect(on.status).toBe(201);
    expect((await pollTasks(b)).map((t) => t.input)).toEqual(["hello"]);
    expectError(await api("POST", `/v1/runs/${started.body.run_id}/delegate`, { key: a.key, body: { worker: b.agentId } }), 400, "invalid_request");
  });

  it("keeps a run on the versions it pinned when a newer one is published and promoted; `latest` moves for the next run", async () => {
    const a = await agentWithKey("pinned");
    const b = await agentWithKey("sink");
    const name = workflowName("latest");
    await putWorkflow(undefined, name, `agents:\n  - {name: ${a.agentId}, version: latest}\ncoordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`);
    const first = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    expect(first.body.agents[a.agentId]).toBe("1.0.0");
    await api("POST", `/v1/agents/${a.agentId}/versions`, { body: { version: "1.1.0" } });
    await api("POST", `/v1/agents/${a.agentId}/versions`, { body: { version: "2.0.0" } });
    await api("POST", `/v1/agents/${a.agentId}/versions/1.1.0/promote`);
    const [task] = await pollTasks(a);
    expect(task!.version).toBe("1.0.0");
    await complete(a, task!.task_id, { output: 1 });
    expect((await api("GET", `/v1/runs/${first.body.run_id}`)).body.agents[a.agentId]).toBe("1.0.0");
    const second = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    expect(second.body.agents[a.agentId]).toBe("1.1.0");
  });

  it("starts each run on the workflow's revision of that moment: a PUT between two starts is seen by the second", async () => {
    const a = await agentWithKey("first");
    const b = await agentWithKey("second");
    const c = await agentWithKey("third");
    const name = workflowName("revised");
    await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`);
    const first = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    expect(first.body).toMatchObject({ revision: 1, agents: { [a.agentId]: "1.0.0", [b.agentId]: "1.0.0" } });
    await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${c.agentId}, to: ${b.agentId}}\n`);
    const second = await api("POST", `/v1/workflows/${name}/runs`, { key: a.key });
    expect(second.body).toMatchObject({ revision: 2, agents: { [c.agentId]: "1.0.0", [b.agentId]: "1.0.0" } });
    expect(await pollTasks(c)).toHaveLength(1);
  });

  it("answers 404 for unknown runs and tasks, 400 for malformed ids, and refuses a reader's start", async () => {
    expectError(await api("GET", "/v1/runs/run_00000000000000000000000000"), 404, "not_found");
    expectError(await api("GET", "/v1/tasks/tsk_000000000000000000000000000000"), 404, "not_found");
    expectError(await api("GET", "/v1/runs/nope"), 400, "invalid_request");
    const reader = uniqueId("supervisor");
    await api("POST", "/v1/agents", { body: { agent_id: reader, role: "reader" } });
    const key = (await api("POST", `/v1/agents/${reader}/keys`)).body.api_key;
    expectError(await api("POST", "/v1/workflows/whatever/runs", { key }), 403, "forbidden");
    expectError(await api("POST", `/v1/workflows/${workflowName("missing")}/runs`), 404, "not_found");
  });
});
