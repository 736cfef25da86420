import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TraceSpanView, TraceView } from "../../src/observability/trace";
import type { Json } from "../../src/workflows/definition/types";
import { api, expectError, newAgent } from "../helpers";
import { definition, pollTasks, rawRunStub, runInit, runStub, uniqueName } from "../runs/run-fixtures";

// Trace completeness on the seed's message-passing and hierarchical examples: every task, message and
// delegation has a span; the links name what each waited for; children lie within their parents.

const caller = (agent_id: string) => ({ agent_id, admin: false });
const ms = (iso: string | null) => (iso === null ? Number.POSITIVE_INFINITY : Date.parse(iso));

afterEach(() => {
  vi.useRealTimers();
});

function expectNested(trace: TraceView) {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  const roots = trace.spans.filter((s) => s.parent_span_id === null);
  expect(roots.map((s) => s.kind)).toEqual(["run"]);
  for (const span of trace.spans) {
    expect(span.ended_at, `${span.name} ended`).not.toBeNull();
    expect(ms(span.ended_at)).toBeGreaterThanOrEqual(ms(span.started_at));
    if (span.parent_span_id === null) continue;
    const parent = byId.get(span.parent_span_id);
    expect(parent, `${span.name}'s parent is in the trace`).toBeDefined();
    expect(ms(span.started_at), `${span.name} starts within ${parent!.name}`).toBeGreaterThanOrEqual(ms(parent!.started_at));
    expect(ms(span.ended_at), `${span.name} ends within ${parent!.name}`).toBeLessThanOrEqual(ms(parent!.ended_at));
    for (const link of span.links) {
      const target = byId.get(link.span_id);
      expect(target, `${span.name}'s ${link.kind} link is in the trace`).toBeDefined();
      expect(ms(target!.started_at), `${span.name} depends on something earlier`).toBeLessThanOrEqual(ms(span.started_at));
    }
  }
}

const spanOfTask = (trace: TraceView, taskId: string) => trace.spans.find((s) => s.attributes.task_id === taskId) as TraceSpanView;

describe("GET /v1/runs/{run_id}/trace", () => {
  it("records the seed's message chain whole: four task spans, three message spans, each task linked to the message that fed it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [collector, enricher, reporter, mailer] = ["data-collector", "data-enricher", "report-generator", "email-distributor"].map(uniqueName);
    const init = runInit(
      definition([{ pattern: "message-passing", flow: [
        { from: collector!, to: enricher!, message: { schema: "raw_records" } },
        { from: enricher!, to: reporter!, message: { schema: "enriched_records" } },
        { from: reporter!, to: mailer!, message: { schema: "formatted_report" } },
      ] }]),
    );
    const run = runStub(init.run_id);
    await run.start(init);
    for (const [agent, output] of [[collector, { records: [1] }], [enricher, { records: [1], enriched_at: "now" }], [reporter, { title: "Q3", body: "ok" }], [mailer, { sent: 1 }]] as [string, Json][]) {
      vi.advanceTimersByTime(100);
      const [task] = await pollTasks(agent!);
      vi.advanceTimersByTime(150);
      expect(await run.complete(task!.task_id, { output, usage: { tokens_in: 10, tokens_out: 4 } }, caller(agent!))).toMatchObject({ ok: true });
    }
    const view = (await run.view())!;
    expect(view.status).toBe("succeeded");

    const res = await api<TraceView>("GET", `/v1/runs/${init.run_id}/trace`);
    expect(res.status).toBe(200);
    const trace = res.body;
    expect(trace.run_id).toBe(init.run_id);
    expect(trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.spans.map((s) => s.kind).sort()).toEqual(["message", "message", "message", "run", "task", "task", "task", "task", "trigger"]);
    expectNested(trace);

    const messages = await run.messages();
    expect(messages).toHaveLength(3);
    for (const task of view.tasks) {
      const span = spanOfTask(trace, task.task_id);
      expect(span).toMatchObject({ kind: "task", name: `invoke_agent ${task.agent_id}`, agent_id: task.agent_id, version: task.version, status: "ok" });
      expect(span.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 4 });
      expect(Date.parse(span.ended_at!) - Date.parse(span.started_at)).toBe(250);
    }
    for (const message of messages) {
      const span = trace.spans.find((s) => s.kind === "message" && s.attributes.message_id === message.message_id)!;
      const sender = spanOfTask(trace, message.from_task_id!);
      const receiver = spanOfTask(trace, message.to_task_id!);
      expect(span).toMatchObject({ agent_id: message.from, parent_span_id: sender.span_id, links: [{ span_id: sender.span_id, kind: "sender" }] });
      expect(receiver.links).toEqual([{ span_id: span.span_id, kind: "message" }]);
    }
    // The first agent waited for nothing but the run's start.
    expect(spanOfTask(trace, view.tasks[0]!.task_id).links).toEqual([]);
  });

  it("records the seed's hierarchy: fan-out, a delegation, a retry and the synthesis joined to every worker's last attempt", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [sup, sales, marketing, ops] = ["executive-analyst", "sales-analyst", "marketing-analyst", "ops-analyst"].map(uniqueName);
    const def = definition([{ pattern: "hierarchical", supervisor: sup!, workers: [
      { name: sales!, task: "Analyze Q3 sales performance", branch: false },
      { name: marketing!, task: "Analyze Q3 campaign effectiveness", branch: false },
      { name: ops!, task: "Analyze Q3 operational efficiency", branch: false },
    ], aggregation: { strategy: "supervisor-synthesis", timeout_seconds: 3600 } }]);
    def.defaults = { task_timeout_seconds: 60, retries: 1 };
    const init = runInit(def);
    const run = runStub(init.run_id);
    await run.start(init);
    const delegated = await run.delegate(caller(sup!), { worker: sales!, input: { region: "emea" } });
    expect(delegated.ok).toBe(true);
    for (const agent of [sales!, marketing!]) for (const task of await pollTasks(agent)) await run.complete(task.task_id, { output: `${agent} done` }, caller(agent));
    // ops-analyst misses its deadline once: the retry is a new attempt, linked to the one it replaced.
    vi.advanceTimersByTime(61_000);
    await runDurableObjectAlarm(rawRunStub(init.run_id));
    for (const task of await pollTasks(ops!)) await run.complete(task.task_id, { output: "ops done" }, caller(ops!));
    const [synthesis] = await pollTasks(sup!);
    await run.complete(synthesis!.task_id, { output: "summary" }, caller(sup!));
    const view = (await run.view())!;
    expect(view.status).toBe("succeeded");

    const trace = (await api<TraceView>("GET", `/v1/runs/${init.run_id}/trace`)).body;
    expectNested(trace);
    // Every task (each attempt) has its span; one delegation span.
    for (const task of view.tasks) expect(spanOfTask(trace, task.task_id), task.task_id).toBeDefined();
    expect(trace.spans.filter((s) => s.kind === "task")).toHaveLength(view.tasks.length - 1);
    const delegation = trace.spans.filter((s) => s.kind === "delegation");
    expect(delegation).toHaveLength(1);
    expect(delegation[0]).toMatchObject({ agent_id: sup, attributes: { worker: sales } });
    const delegatedSpan = spanOfTask(trace, (delegated as { value: { task_id: string } }).value.task_id);
    expect(delegatedSpan.links).toEqual([{ span_id: delegation[0]!.span_id, kind: "delegation" }]);

    const opsTasks = view.tasks.filter((t) => t.agent_id === ops);
    expect(opsTasks.map((t) => [t.attempt, t.status])).toEqual([[1, "timed_out"], [2, "succeeded"]]);
    expect(spanOfTask(trace, opsTasks[1]!.task_id).links).toEqual([{ span_id: spanOfTask(trace, opsTasks[0]!.task_id).span_id, kind: "retry" }]);
    expect(spanOfTask(trace, opsTasks[0]!.task_id).status).toBe("timed_out");

    const synthesisSpan = trace.spans.find((s) => s.kind === "synthesis")!;
    const lastAttempts = view.tasks.filter((t) => t.agent_id !== sup && !(t.agent_id === ops && t.attempt === 1));
    expect(synthesisSpan.links.map((l) => l.kind)).toEqual(lastAttempts.map(() => "join"));
    expect(new Set(synthesisSpan.links.map((l) => l.span_id))).toEqual(new Set(lastAttempts.map((t) => spanOfTask(trace, t.task_id).span_id)));
  });

  it("answers 404 for a run that does not exist, 400 for what is no run id or format, 401 without a key, and 403 to a caller denied workflow:read", async () => {
    expectError(await api("GET", "/v1/runs/run_00000000000000000000000000/trace"), 404, "not_found");
    expectError(await api("GET", "/v1/runs/nope/trace"), 400, "invalid_request");
    expectError(await api("GET", "/v1/runs/run_00000000000000000000000000/trace?format=zipkin"), 400, "invalid_request");
    expectError(await api("GET", "/v1/runs/run_00000000000000000000000000/trace", { key: null }), 401, "unauthorized");

    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: uniqueName("a"), to: uniqueName("b"), message: { schema: null } }] }]));
    await runStub(init.run_id).start(init);
    const reader = await newAgent("reader");
    expect((await api("GET", `/v1/runs/${init.run_id}/trace`, { key: reader.key })).status).toBe(200);
    const outsider = await newAgent("agent");
    const policy = await api("POST", "/v1/policies", { body: { effect: "deny", actions: ["workflow:read"], resources: [`workflow:${init.workflow}`], principals: [outsider.agentId] } });
    expect(policy.status).toBe(201);
    const denied = await api("GET", `/v1/runs/${init.run_id}/trace`, { key: outsider.key });
    expectError(denied, 403, "forbidden");
    expect(JSON.stringify(denied.body)).not.toContain("invoke_agent");
  });

  it("shows a running run's open spans (ended_at null), and in OTLP ends them at the time of reading", async () => {
    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: uniqueName("a"), to: uniqueName("b"), message: { schema: null } }] }]));
    await runStub(init.run_id).start(init);
    const trace = (await api<TraceView>("GET", `/v1/runs/${init.run_id}/trace`)).body;
    expect(trace.spans.find((s) => s.kind === "task")!.ended_at).toBeNull();
    const otlp = (await api("GET", `/v1/runs/${init.run_id}/trace?format=otlp`)).body;
    const open = otlp.resourceSpans[0].scopeSpans[0].spans.find((s: { name: string }) => s.name.startsWith("invoke_agent"));
    expect(BigInt(open.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(open.startTimeUnixNano));
    expect(open.attributes).toContainEqual({ key: "switchyard.open", value: { boolValue: true } });
  });
});
