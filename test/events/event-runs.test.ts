import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { claimEvents } from "../../src/events/event-store";
import { newId } from "../../src/lib/ids";
import { api, count, uniqueId } from "../helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import { agentsWithKeys, decisionFor, defined, published, runOf, runsOfWorkflow, subscriptionsOf, tasksFor } from "./event-helpers";

// Runs that events start: event triggers, the subscription index that routes events, and event-driven
// entries combined with other patterns in one run.

const complete = (key: string, taskId: string, output: unknown) => api("POST", `/v1/tasks/${taskId}/complete`, { key, body: { output } });

async function pollOne(agent: { agentId: string; key: string }, runId: string) {
  const res = await api("GET", `/v1/inbox/${agent.agentId}?kind=task&limit=100`, { key: agent.key });
  const tasks = (res.body.items as { run_id: string; task_id: string; input: any }[]).filter((t) => t.run_id === runId);
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

describe("event triggers", () => {
  it("starts one run with the event as input and trigger {type: event, event_id} for each matching event", async () => {
    const [sup, worker] = await agentsWithKeys("sup", "wrk");
    const name = workflowName("triggered");
    const yaml = `coordination:
  pattern: hierarchical
  supervisor: ${sup!.agentId}
  workers:
    - {name: ${worker!.agentId}, task: "Reconcile the payment"}
  aggregation: {strategy: collect}
triggers:
  - type: event
    event_type: payment.failed
    filter: "amount > 100 && currency == 'EUR'"
`;
    await defined(name, yaml);
    const big = await published({ type: "payment.failed", source: "stripe", data: { amount: 250, currency: "EUR" } });
    const run = big.runs.find((r) => r.workflow === name)!;
    expect(await runOf(run.run_id)).toMatchObject({
      trigger: { type: "event", event_id: big.event_id, event_type: "payment.failed" },
      input: { event_id: big.event_id, type: "payment.failed", source: "stripe", data: { amount: 250, currency: "EUR" } },
    });
    const task = await pollOne(worker!, run.run_id);
    expect(task.input).toMatchObject({ task: "Reconcile the payment", run_input: { event_id: big.event_id } });

    const small = await published({ type: "payment.failed", data: { amount: 20, currency: "EUR" } });
    expect(small.runs.filter((r) => r.workflow === name)).toEqual([]);
    expect(await decisionFor(small.event_id, name)).toMatchObject({
      matched: false,
      entries: [{ source: "triggers[0]", kind: "trigger", matched: false, saw: { amount: 20, currency: "EUR" } }],
    });
    const missing = await published({ type: "payment.failed", data: { currency: "EUR" } });
    expect((await decisionFor(missing.event_id, name))!.entries[0].reason).toBe("the filter `amount > 100 && currency == 'EUR'` could not be evaluated: the event has no field `amount`");
  });

  it("starts one run per workflow per event, even when an entry and a trigger both match; both are in the decision", async () => {
    const [a] = await agentsWithKeys("both");
    const name = workflowName("both");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: user.signed_up, agents: [${a!.agentId}]}]\ntriggers: [{type: event, event_type: user.signed_up}]\n`);
    const answer = await published({ type: "user.signed_up", data: { plan: "pro" } });
    expect(answer.runs.filter((r) => r.workflow === name)).toHaveLength(1);
    const decision = await decisionFor(answer.event_id, name);
    expect(decision).toMatchObject({ matched: true, reason: "matched by coordination.events[0], triggers[0]" });
    expect((await runOf(decision!.run_id)).tasks).toHaveLength(1);
  });

  it("refuses an event trigger without a type or with a filter that does not compile, with its path and line", async () => {
    const res = await putWorkflow(undefined, workflowName("bad-trigger"), `coordination:\n  pattern: event-driven\n  events: [{type: a, agents: [x]}]\ntriggers:\n  - {type: event}\n  - {type: event, event_type: b, filter: "amount >"}\n`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string; line: number }) => [d.path, d.line])).toEqual([
      ["triggers[0].event_type", 5],
      ["triggers[1].filter", 6],
    ]);
  });
});

describe("the subscription index", () => {
  it("follows each revision and the workflow's deletion, in the same transaction", async () => {
    const [a] = await agentsWithKeys("sub");
    const name = workflowName("subs");
    await defined(name, `coordination:\n  pattern: event-driven\n  events:\n    - {type: t.one, filter: "x > 1", agents: [${a!.agentId}]}\n    - {type: t.two, agents: [${a!.agentId}]}\n`);
    expect(await subscriptionsOf(name)).toEqual([
      { event_type: "t.one", source: "coordination.events[0]", revision: 1, filter: "x > 1" },
      { event_type: "t.two", source: "coordination.events[1]", revision: 1, filter: null },
    ]);
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: t.three, agents: [${a!.agentId}]}]\ntriggers: [{type: event, event_type: t.one}]\n`);
    expect(await subscriptionsOf(name)).toEqual([
      { event_type: "t.three", source: "coordination.events[0]", revision: 2, filter: null },
      { event_type: "t.one", source: "triggers[0]", revision: 2, filter: null },
    ]);
    const two = await published({ type: "t.two", data: {} });
    expect(two.runs.filter((r) => r.workflow === name)).toEqual([]);
    expect(await decisionFor(two.event_id, name)).toBeUndefined();
    expect((await api("DELETE", `/v1/workflows/${name}`)).status).toBe(200);
    expect(await subscriptionsOf(name)).toEqual([]);
    const one = await published({ type: "t.one", data: { x: 5 } });
    expect(one.runs.filter((r) => r.workflow === name)).toEqual([]);
  });

  it("keeps one set of subscriptions when two changes race", async () => {
    const [a] = await agentsWithKeys("race");
    const name = workflowName("race");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: r.zero, agents: [${a!.agentId}]}]\n`);
    const bodies = Array.from({ length: 6 }, (_, i) => `coordination:\n  pattern: event-driven\n  events: [{type: r.${i + 1}, agents: [${a!.agentId}]}]\n`);
    await Promise.all(bodies.map((b) => putWorkflow(undefined, name, b)));
    const current = (await api("GET", `/v1/workflows/${name}`)).body;
    const subs = await subscriptionsOf(name);
    expect(subs).toEqual([{ event_type: current.coordination[0].events[0].type, source: "coordination.events[0]", revision: current.revision, filter: null }]);
  });
});

describe("combined patterns", () => {
  it("an event-driven entry starts a run whose agents then pass messages: each agent starts once", async () => {
    const [collector, enricher] = await agentsWithKeys("collector", "enricher");
    const name = workflowName("combined-mp");
    const yaml = `coordination:
  - pattern: event-driven
    events:
      - {type: batch.ready, filter: "rows > 0", agents: [${collector!.agentId}]}
  - pattern: message-passing
    flow:
      - {from: ${collector!.agentId}, to: ${enricher!.agentId}}
`;
    await defined(name, yaml);
    const answer = await published({ type: "batch.ready", data: { rows: 3 } });
    const runId = answer.runs.find((r) => r.workflow === name)!.run_id;
    // Both patterns would start the collector (the event's entry; the flow's starting agent): one task.
    const first = await pollOne(collector!, runId);
    expect(first.input).toMatchObject({ type: "batch.ready", data: { rows: 3 } });
    expect(await count("SELECT COUNT(*) AS n FROM _tasks WHERE run_id = ? AND agent_id = ?", runId, collector!.agentId)).toBe(1);
    expect((await complete(collector!.key, first.task_id, { records: [1, 2, 3] })).status).toBe(200);
    const second = await pollOne(enricher!, runId);
    expect(second.input).toEqual({ records: [1, 2, 3] });
    expect((await complete(enricher!.key, second.task_id, { enriched: 3 })).status).toBe(200);
    const run = await runOf(runId);
    expect(run.status).toBe("succeeded");
    expect(run.tasks.map((t: { agent_id: string }) => t.agent_id)).toEqual([collector!.agentId, enricher!.agentId]);
  });

  it("an event-driven entry and shared state: a writer the event starts unblocks a reader", async () => {
    const [writer, reader] = await agentsWithKeys("writer", "reader");
    const name = workflowName("combined-ss");
    const yaml = `coordination:
  - pattern: event-driven
    events:
      - {type: quarter.closed, agents: [${writer!.agentId}]}
  - pattern: shared-state
    state_store: {type: key-value, conflict_resolution: last-write-wins}
    agents:
      - {name: ${writer!.agentId}, writes: [revenue]}
      - {name: ${reader!.agentId}, reads: [revenue], writes: [report]}
`;
    await defined(name, yaml);
    const answer = await published({ type: "quarter.closed", data: { quarter: "Q3" } });
    const runId = answer.runs.find((r) => r.workflow === name)!.run_id;
    const task = await pollOne(writer!, runId);
    expect(await count("SELECT COUNT(*) AS n FROM _tasks WHERE run_id = ? AND agent_id = ?", runId, writer!.agentId)).toBe(1);
    expect((await api("POST", `/v1/tasks/${task.task_id}/complete`, { key: writer!.key, body: { output: "done", state: { revenue: 100 } } })).status).toBe(200);
    const readerTask = await pollOne(reader!, runId);
    expect((await api("POST", `/v1/tasks/${readerTask.task_id}/complete`, { key: reader!.key, body: { output: "ok", state: { report: "fine" } } })).status).toBe(200);
    expect((await runOf(runId)).status).toBe("succeeded");
    expect(await runsOfWorkflow(name)).toBe(1);
  });
});

describe("a matched run that cannot start", () => {
  it("is recorded on the decision (its agent's `latest` resolves to nothing now), and the event is still accepted", async () => {
    const [a] = await agentsWithKeys("gone");
    const name = workflowName("unstartable");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: doomed.event, agents: [${a!.agentId}]}]\n`);
    expect((await api("POST", `/v1/agents/${a!.agentId}/versions/1.0.0/deprecate`, { body: {} })).status).toBe(200);
    const answer = await published({ type: "doomed.event", data: {} });
    expect(answer.runs.filter((r) => r.workflow === name)).toEqual([]);
    const decision = await decisionFor(answer.event_id, name);
    expect(decision).toMatchObject({ matched: true, run_id: expect.any(String), run_error: { code: "conflict", message: expect.stringMatching(/do not all resolve/) } });
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE run_id = ?", decision!.run_id)).toBe(0);
    expect(await tasksFor(a!.agentId, decision!.run_id)).toEqual([]);
  });
});

describe("a matched run the request did not start", () => {
  it("is started by the cron with the run id its decision holds, once", async () => {
    const [a] = await agentsWithKeys("late");
    const name = workflowName("late-start");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: late.event, agents: [${a!.agentId}]}]\n`);
    // What a request leaves behind when its isolate dies between the claim and the start.
    const received = new Date(Date.now() - 60_000).toISOString();
    const runId = newId("run");
    const event = { event_id: uniqueId("late"), type: "late.event", source: null, data: { n: 1 }, time: received, received_at: received, status: "accepted" as const, rejection: null, publisher: "http" as const, published_by: "admin", depth: 0, caused_by: null };
    const decision = { workflow: name, revision: 1, matched: true, reason: "matched by coordination.events[0]", entries: [], run_id: runId, run_matched: { "0": [0] }, run_error: null, decided_at: received };
    expect(await claimEvents(env.DB, [{ event, decisions: [decision] }], 86_400, null)).toEqual([true]);
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE run_id = ?", runId)).toBe(0);

    await runScheduled();
    const run = await runOf(runId);
    expect(run).toMatchObject({ run_id: runId, workflow: name, trigger: { type: "event", event_id: event.event_id }, input: { data: { n: 1 } } });
    expect(run.tasks.map((t: { agent_id: string }) => t.agent_id)).toEqual([a!.agentId]);
    await runScheduled();
    expect(await runsOfWorkflow(name)).toBe(1);
    expect((await decisionFor(event.event_id, name))!.run_status).toBe("running");
  });
});

async function runScheduled() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}
