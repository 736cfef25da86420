import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { platformEventId } from "../../src/events/platform-events";
import { api, count } from "../helpers";
import { callTool } from "../mcp/helpers";
import { workflowName } from "../workflows/workflow-helpers";
import { defined, eventOf, eventually } from "../events/event-helpers";
import { EMAIL, REDACT, REJECT, type Agent, agentWithKey, clearDeploymentRules, deploymentRules, expectNoPii, expectRefusal, violationsOf } from "./guard-helpers";

// A violation leaves as a `guard_rail.violated` platform event (so a workflow or a supervisor can react),
// from a request and from inside a run alike; MCP tools pass the same checks as the REST routes they
// stand for; and a dry run reports a guard rail's hit as a finding while writing nothing outside itself.

afterEach(clearDeploymentRules);

/** A workflow started by every `guard_rail.violated` of `agent` in `mode`: its handler gets the event as input. */
async function watcher(handler: Agent, agent: Agent, mode: "reject" | "redact") {
  const name = workflowName("gr-watch");
  await defined(
    name,
    `coordination:\n  pattern: event-driven\n  events:\n    - type: guard_rail.violated\n      filter: "agent_id == '${agent.agentId}' && mode == '${mode}'"\n      agents: [${handler.agentId}]\n`,
  );
  return name;
}

const runsOf = async (workflow: string) =>
  (await env.DB.prepare("SELECT run_id, trigger FROM _runs WHERE workflow = ?").bind(workflow).all<{ run_id: string; trigger: string }>()).results;

async function eventStarting(workflow: string) {
  const [run] = await eventually(() => runsOf(workflow).then((r) => (r.length > 0 ? r : undefined)), 10_000, `a run of ${workflow}`);
  return eventOf((JSON.parse(run!.trigger) as { event_id: string }).event_id);
}

describe("guard_rail.violated", () => {
  it("starts a subscribed workflow when a request is refused, with the rule, path and kind and none of the PII", async () => {
    const [writer, handler] = [await agentWithKey("gr-ev"), await agentWithKey("gr-handler")];
    const name = await watcher(handler, writer, "reject");
    await deploymentRules(REJECT);
    expectRefusal(await api("POST", "/v1/memory", { key: writer.key, body: { agent_id: writer.agentId, content: `Mail ${EMAIL}` } }), "pii", "content", "email");
    const [violation] = await violationsOf(writer.agentId);
    const event = await eventStarting(name);
    expect(event).toMatchObject({
      event_id: platformEventId(`guard_rail.violated:${violation!.violation_id}`),
      type: "guard_rail.violated",
      source: "switchyard",
      data: { violation_id: violation!.violation_id, agent_id: writer.agentId, rule: "pii", path: "content", kind: "email", mode: "reject", action: "memory:write", violations: 1 },
    });
    expectNoPii(JSON.stringify(event));
  });

  it("is published from inside a run, naming the run and the task, one step deeper than the run", async () => {
    const [worker, next, handler] = [await agentWithKey("gr-w"), await agentWithKey("gr-n"), await agentWithKey("gr-h")];
    const name = await watcher(handler, worker, "redact");
    const flow = workflowName("gr-flow");
    await defined(flow, `coordination:\n  pattern: message-passing\n  flow: [{from: ${worker.agentId}, to: ${next.agentId}}]\n`);
    await deploymentRules(REDACT);
    const started = await api("POST", `/v1/workflows/${flow}/runs`, { body: { input: { n: 1 } } });
    const [task] = (await api("GET", `/v1/inbox/${worker.agentId}?kind=task`, { key: worker.key })).body.items;
    const done = await api("POST", `/v1/tasks/${task.task_id}/complete`, { key: worker.key, body: { output: { contact: EMAIL } } });
    expect(done.status).toBe(200);
    expect(done.body.output).toEqual({ contact: "[REDACTED:email]" });
    const event = await eventStarting(name);
    expect(event).toMatchObject({
      type: "guard_rail.violated",
      depth: 1,
      caused_by: { run_id: started.body.run_id, workflow: flow },
      data: { agent_id: worker.agentId, rule: "pii", path: "output.contact", mode: "redact", action: "task:complete", run_id: started.body.run_id, task_id: task.task_id },
    });
    expectNoPii(JSON.stringify(event));
  });
});

describe("MCP tools pass the same guard rails", () => {
  it("refuses start_run with PII in its input and complete_task with PII in its output, storing neither", async () => {
    const [a, b] = [await agentWithKey("gr-mcp-a"), await agentWithKey("gr-mcp-b")];
    const name = workflowName("gr-mcp");
    await defined(name, `coordination:\n  pattern: message-passing\n  flow: [{from: ${a.agentId}, to: ${b.agentId}}]\n`);
    await deploymentRules(REJECT);
    const refused = await callTool(a.key, "start_run", { workflow: name, input: { contact: EMAIL } });
    expect(refused.result.isError).toBe(true);
    expect(refused.value).toMatchObject({ error: { code: "guard_rail", details: { rule: "pii", path: "input.contact", kind: "email" } } });
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ?", name)).toBe(0);

    const started = await callTool(a.key, "start_run", { workflow: name, input: { q: 3 } });
    expect(started.result.isError).toBeFalsy();
    const [task] = (await callTool(a.key, "inbox_poll", { wait_seconds: 0 })).value as { task_id: string }[];
    const completed = await callTool(a.key, "complete_task", { task_id: task!.task_id, output: { note: `SSN-free but mail ${EMAIL}` } });
    expect(completed.result.isError).toBe(true);
    expect(completed.value).toMatchObject({ error: { code: "guard_rail", details: { rule: "pii", path: "output.note", kind: "email", task_status: "failed" } } });
    const run = (await callTool(a.key, "get_run", { run_id: started.value.run_id })).value;
    expect(run).toMatchObject({ status: "failed" });
    expectNoPii(JSON.stringify(run));
  });
});

describe("dry runs", () => {
  it("report a guard rail's refusal as a finding and write no violation, audit row or event", async () => {
    const [a, b] = [await agentWithKey("gr-dry-a"), await agentWithKey("gr-dry-b")];
    const handler = await agentWithKey("gr-dry-h");
    const name = await watcher(handler, a, "reject");
    await deploymentRules(REJECT);
    const res = await api("POST", "/v1/dry-runs", {
      body: {
        definition: `agents:\n  - {name: ${a.agentId}, version: "1.0.0"}\n  - {name: ${b.agentId}, version: "1.0.0"}\ncoordination:\n  pattern: message-passing\n  flow: [{from: ${a.agentId}, to: ${b.agentId}}]\n`,
        input: { q: 1 },
        agents: { [a.agentId]: { output: { contact: EMAIL } }, [b.agentId]: { output: "ok" } },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("failed");
    expect(res.body.findings).toContainEqual(expect.objectContaining({ kind: "guard_rail", agent: a.agentId, details: expect.objectContaining({ rule: "pii", path: "output.contact", kind: "email" }) }));
    // A run's input it would refuse is a finding too (a real start would be 422).
    const input = await api("POST", "/v1/dry-runs", {
      body: { definition: `coordination:\n  pattern: message-passing\n  flow: [{from: ${a.agentId}, to: ${b.agentId}}]\n`, input: { contact: EMAIL }, agents: {} },
    });
    expect(input.status).toBe(200);
    expect(input.body.findings).toContainEqual(expect.objectContaining({ kind: "guard_rail", details: expect.objectContaining({ rule: "pii", path: "input.contact" }) }));
    for (const agent of [a, b]) {
      expect(await violationsOf(agent.agentId)).toEqual([]);
      expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE agent_id = ? AND action = 'guard_rail:violated'", agent.agentId)).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 200)); // an event would have been published by now
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE type = 'guard_rail.violated' AND json_extract(data, '$.agent_id') = ?", a.agentId)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ?", name)).toBe(0);
  });
});
