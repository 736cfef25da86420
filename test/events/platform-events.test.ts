import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { platformEventId } from "../../src/events/platform-events";
import { api, count, uniqueId } from "../helpers";
import { CONCEPT, MATCHING } from "../triggers/trigger-helpers";
import { workflowName } from "../workflows/workflow-helpers";
import { agentsWithKeys, defined, eventOf, eventually, runOf } from "./event-helpers";

// Platform events (api-v1-coordination.md, "Events"): published by Switchyard with `source: "switchyard"`,
// only while some workflow subscribes to their type, and bounded so that runs cannot start each other
// forever (src/events/loop-guard.ts).

type Agent = { agentId: string; key: string };

/** A workflow of one agent that starts with the run's input (a message-passing flow of one edge's sender). */
const single = (agent: Agent, other: Agent) => `coordination:\n  pattern: message-passing\n  flow: [{from: ${agent.agentId}, to: ${other.agentId}}]\n`;

/** A handler of `run.failed` for the given workflows' failures: one agent, the event as its input. */
const onFailure = (agent: Agent, workflows: string[]) =>
  `coordination:\n  pattern: event-driven\n  events:\n    - type: run.failed\n      filter: "workflow in [${workflows.map((w) => `'${w}'`).join(", ")}]"\n      agents: [${agent.agentId}]\n`;

async function openTasks(agent: Agent) {
  const res = await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key });
  return res.body.items as { task_id: string; run_id: string; input: any }[];
}

const fail = (agent: Agent, taskId: string) => api("POST", `/v1/tasks/${taskId}/complete`, { key: agent.key, body: { status: "failed", error: { code: "boom", message: "it broke" } } });

const runsOf = async (workflow: string) =>
  (await env.DB.prepare("SELECT run_id, trigger FROM _runs WHERE workflow = ? ORDER BY started_at, run_id").bind(workflow).all<{ run_id: string; trigger: string }>()).results;

describe("run.failed and task.failed", () => {
  it("starts a handler workflow with the failed run as its event, naming the run it came from", async () => {
    const [worker, next, handler] = await agentsWithKeys("flaky", "next", "handler");
    const failing = workflowName("failing");
    const watcher = workflowName("watcher");
    await defined(failing, single(worker!, next!));
    await defined(watcher, onFailure(handler!, [failing]));
    const started = await api("POST", `/v1/workflows/${failing}/runs`, { body: { input: { n: 1 } } });
    const [task] = await openTasks(worker!);
    expect((await fail(worker!, task!.task_id)).status).toBe(200);
    expect((await runOf(started.body.run_id)).status).toBe("failed");

    const [handled] = await eventually(() => runsOf(watcher).then((r) => (r.length ? r : undefined)), 10_000, "the handler's run");
    const eventId = (JSON.parse(handled!.trigger) as { event_id: string }).event_id;
    expect(eventId).toBe(platformEventId(`run.failed:${started.body.run_id}`));
    const event = await eventOf(eventId);
    expect(event).toMatchObject({
      type: "run.failed",
      source: "switchyard",
      publisher: "platform",
      depth: 1,
      caused_by: { run_id: started.body.run_id, workflow: failing, started_by_platform_event: false },
      data: { run_id: started.body.run_id, workflow: failing, status: "failed", error: { code: "task_failed" } },
      runs: [{ run_id: handled!.run_id, workflow: watcher }],
    });
    const [handlerTask] = await openTasks(handler!);
    expect(handlerTask!.input).toMatchObject({ type: "run.failed", data: { workflow: failing } });
    // The task that failed was announced too, though nothing listens to task.failed: nothing is stored for it.
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE event_id = ?", platformEventId(`task.failed:${task!.task_id}`))).toBe(0);
  });

  it("does not let a failing run.failed handler start itself again: the second failure is held back, and says so", async () => {
    const [agent, sink] = await agentsWithKeys("self", "sink");
    const name = workflowName("self-healing");
    // Handles its own failures (and is started by hand the first time: the flow's first agent starts then).
    await defined(name, `coordination:
  - pattern: event-driven
    events: [{type: run.failed, filter: "workflow == '${name}'", agents: [${agent!.agentId}]}]
  - pattern: message-passing
    flow: [{from: ${agent!.agentId}, to: ${sink!.agentId}}]
`);
    await api("POST", `/v1/workflows/${name}/runs`, { body: {} });
    for (let round = 0; round < 3; round++) {
      const tasks = await openTasks(agent!);
      for (const t of tasks) await fail(agent!, t.task_id);
      await new Promise((r) => setTimeout(r, 200));
    }
    const runs = await runsOf(name);
    expect(runs).toHaveLength(2);
    const second = runs[1]!;
    const blocked = await eventOf(platformEventId(`run.failed:${second.run_id}`));
    expect(blocked).toMatchObject({ depth: 2, caused_by: { workflow: name, started_by_platform_event: true }, runs: [] });
    expect(blocked.decisions.find((d: { workflow: string }) => d.workflow === name)).toMatchObject({
      matched: true,
      run_id: null,
      reason: expect.stringMatching(/no run was started: .*this same workflow, which a platform event started.*loop guard/),
    });
  });

  it("bounds a chain of workflows that handle each other's failures by the events' depth", async () => {
    const [a, b, sink] = await agentsWithKeys("ping", "pong", "sink");
    const ping = workflowName("ping");
    const pong = workflowName("pong");
    const both = (agent: Agent, other: string) => `coordination:
  - pattern: event-driven
    events: [{type: run.failed, filter: "workflow == '${other}'", agents: [${agent.agentId}]}]
  - pattern: message-passing
    flow: [{from: ${agent.agentId}, to: ${sink!.agentId}}]
`;
    await defined(ping, both(a!, pong));
    await defined(pong, both(b!, ping));
    await api("POST", `/v1/workflows/${ping}/runs`, { body: {} });
    for (let round = 0; round < 8; round++) {
      for (const agent of [a!, b!]) for (const t of await openTasks(agent)) await fail(agent, t.task_id);
      await new Promise((r) => setTimeout(r, 150));
    }
    // ping (by hand), pong (depth 1), ping (2), pong (3), ping (4); pong would be depth 5.
    expect((await runsOf(ping)).length).toBe(3);
    expect((await runsOf(pong)).length).toBe(2);
    const lastPing = (await runsOf(ping)).at(-1)!;
    const last = await eventOf(platformEventId(`run.failed:${lastPing.run_id}`));
    expect(last).toMatchObject({ depth: 5, runs: [] });
    expect(last.decisions.find((d: { workflow: string }) => d.workflow === pong)).toMatchObject({ matched: true, run_id: null, reason: expect.stringMatching(/5 events deep.*at most 4/) });
  });
});

describe("memory.stored, trigger.fired and the emit_event action", () => {
  it("stores nothing for a memory while no workflow subscribes to memory.stored", async () => {
    const writer = uniqueId("writer-ns");
    const stored = await api("POST", "/v1/memory", { body: { agent_id: writer, content: "Nobody listens to this one." } });
    expect(stored.status).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE event_id = ?", platformEventId(`memory.stored:${stored.body.memory_id}`))).toBe(0);
  });

  it("publishes memory.stored to a subscribed workflow, with the memory's fields for its filter", async () => {
    const [curator, other] = await agentsWithKeys("curator", "other");
    const name = workflowName("curate");
    const ns = uniqueId("kb");
    await defined(name, `coordination:\n  pattern: event-driven\n  events:\n    - {type: memory.stored, filter: "agent_id == '${ns}' && importance >= 0.8", agents: [${curator!.agentId}]}\n`);
    const low = await api("POST", "/v1/memory", { body: { agent_id: ns, content: "A small note.", importance: 0.2 } });
    const high = await api("POST", "/v1/memory", { body: { agent_id: ns, content: "A big finding.", importance: 0.9 } });
    const event = await eventually(() => eventOf(platformEventId(`memory.stored:${high.body.memory_id}`)).then((e) => (e.event_id ? e : undefined)));
    expect(event).toMatchObject({ type: "memory.stored", source: "switchyard", data: { memory_id: high.body.memory_id, agent_id: ns, importance: 0.9 }, runs: [{ workflow: name }] });
    const lowEvent = await eventually(() => eventOf(platformEventId(`memory.stored:${low.body.memory_id}`)).then((e) => (e.event_id ? e : undefined)));
    expect(lowEvent.runs).toEqual([]);
    expect(other).toBeDefined();
  });

  it("an emit_event trigger publishes an event of its type with the memory's id and the score; trigger.fired goes to its subscribers", async () => {
    const [analyst, auditor] = await agentsWithKeys("analyst", "auditor");
    const type = uniqueId("insight.found");
    const onInsight = workflowName("on-insight");
    const onFired = workflowName("on-fired");
    await defined(onInsight, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, filter: "score >= 0.3", agents: [${analyst!.agentId}]}]\n`);
    await defined(onFired, `coordination:\n  pattern: event-driven\n  events: [{type: trigger.fired, filter: "action_type == 'emit_event'", agents: [${auditor!.agentId}]}]\n`);
    const ns = uniqueId("insights");
    const trigger = await api("POST", "/v1/triggers", { body: { name: "insights", concept: CONCEPT, threshold: 0.3, namespaces: [ns], action: { type: "emit_event", event_type: type } } });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(201);
    expect(trigger.body.action).toEqual({ type: "emit_event", event_type: type });
    const memory = await api("POST", "/v1/memory", { body: { agent_id: ns, content: MATCHING } });

    const firing = await eventually(() => env.DB.prepare("SELECT * FROM _trigger_firings WHERE trigger_id = ? AND status = 'dispatched'").bind(trigger.body.trigger_id).first<{ notification_id: string; score: number }>());
    const emitted = await eventOf(platformEventId(`emit_event:${firing.notification_id}`));
    expect(emitted).toMatchObject({ type, source: "switchyard", data: { memory_id: memory.body.memory_id, score: firing.score, trigger_id: trigger.body.trigger_id }, runs: [{ workflow: onInsight }] });
    const fired = await eventOf(platformEventId(`trigger.fired:${firing.notification_id}`));
    expect(fired).toMatchObject({ type: "trigger.fired", data: { memory_id: memory.body.memory_id, action_type: "emit_event" }, runs: [{ workflow: onFired }] });
    expect((await api("POST", "/v1/triggers", { body: { name: "x", concept: CONCEPT, threshold: 0.3, action: { type: "emit_event", event_type: "run.failed" } } })).status).toBe(400);
  });
});

describe("branch and policy events", () => {
  it("publishes branch.created and policy.denied to their subscribers only", async () => {
    const [watcher] = await agentsWithKeys("watch");
    const name = workflowName("governance");
    const reader = await api("POST", "/v1/agents", { body: { agent_id: uniqueId("rdr"), role: "reader" } });
    await defined(name, `coordination:\n  pattern: event-driven\n  events:\n    - {type: branch.created, agents: [${watcher!.agentId}]}\n    - {type: policy.denied, filter: "agent_id == '${reader.body.agent_id}'", agents: [${watcher!.agentId}]}\n`);
    const branch = await api("POST", "/v1/branches", { body: { label: "what-if" } });
    expect(branch.status).toBe(201);
    const created = await eventually(() => eventOf(platformEventId(`branch.created:${branch.body.branch_id}`)).then((e) => (e.event_id ? e : undefined)));
    expect(created).toMatchObject({ data: { branch_id: branch.body.branch_id, label: "what-if" }, runs: [{ workflow: name }] });
    const key = await api("POST", `/v1/agents/${reader.body.agent_id}/keys`);
    expect((await api("POST", "/v1/events", { key: key.body.api_key, body: { type: "x", data: {} } })).status).toBe(403);
    const denied = await eventually(() =>
      env.DB.prepare("SELECT event_id FROM _events WHERE type = 'policy.denied' AND data ->> '$.agent_id' = ?").bind(reader.body.agent_id).first<{ event_id: string }>(),
    );
    expect(await eventOf(denied.event_id)).toMatchObject({ data: { action: "event:publish", resource: "event:x" }, runs: [{ workflow: name }] });
  });
});
