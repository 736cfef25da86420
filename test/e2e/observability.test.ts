// Observability end to end against `npm run dev`: the seed's message chain and hierarchy run by worker
// loops; their traces are complete; the OTLP document is accepted by a local OTLP/HTTP JSON collector;
// and every finished run's trace reaches that collector by itself, through the deliveries queue, with the
// configured headers, after a refused first attempt.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentWorker, Switchyard, Trace } from "../../clients/typescript/index.ts";
import { startOtlpReceiver } from "./otlp-receiver.ts";
import { HIERARCHICAL } from "../workflows/seed-blocks.ts";
import { localServer } from "./server.ts";

const receiver = await startOtlpReceiver({ failFirst: true });

const CHAIN = `coordination:
  pattern: message-passing
  flow:
    - {from: data-collector, to: data-enricher, message: {schema: raw_records}}
    - {from: data-enricher, to: report-generator, message: {schema: enriched_records}}
    - {from: report-generator, to: email-distributor, message: {schema: formatted_report}}
`;

const HIERARCHY = HIERARCHICAL;

const AGENTS = ["data-collector", "data-enricher", "report-generator", "email-distributor", "executive-analyst", "sales-analyst", "marketing-analyst", "ops-analyst"];

/** Every task and message of the run has its span, each task's links name what fed it, children lie within parents. */
function expectComplete(trace: Trace, run: Awaited<ReturnType<Switchyard["runs"]["get"]>>, messages: { message_id: string; to_task_id: string | null }[]) {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  const taskSpan = (taskId: string) => trace.spans.find((s) => s.attributes.task_id === taskId);
  for (const task of run.tasks) expect(taskSpan(task.task_id), task.task_id).toMatchObject({ agent_id: task.agent_id, version: task.version, status: "ok" });
  for (const message of messages) {
    const span = trace.spans.find((s) => s.kind === "message" && s.attributes.message_id === message.message_id);
    expect(span, message.message_id).toBeDefined();
    expect(taskSpan(message.to_task_id!)!.links).toEqual([{ span_id: span!.span_id, kind: "message" }]);
  }
  for (const span of trace.spans) {
    if (span.parent_span_id === null) continue;
    const parent = byId.get(span.parent_span_id)!;
    expect(Date.parse(span.started_at)).toBeGreaterThanOrEqual(Date.parse(parent.started_at));
    expect(Date.parse(span.ended_at!)).toBeLessThanOrEqual(Date.parse(parent.ended_at!));
  }
}

describe("observability end to end", () => {
  const local = localServer({ vars: { OTLP_ENDPOINT: receiver.url, OTLP_HEADERS: "Authorization=Bearer e2e-collector-token,X-Scope-OrgID=switchyard" } });
  const workers: AgentWorker[] = [];
  const clients = new Map<string, Switchyard>();
  let admin: Switchyard;
  const work = (agent: string, handler: Parameters<Switchyard["worker"]>[1]) => {
    const worker = clients.get(agent)!.worker(agent, handler, { waitSeconds: 2, concurrency: 4 });
    workers.push(worker);
    void worker.start();
  };

  beforeAll(async () => {
    admin = local.admin();
    for (const agent of AGENTS) {
      await admin.agents.create({ agent_id: agent });
      await admin.versions.publish(agent, { version: "1.0.0" });
      clients.set(agent, local.client((await admin.agents.keys.create(agent)).api_key));
    }
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  afterAll(async () => {
    await receiver.close();
  });

  it("traces the seed's message chain whole, its OTLP document is accepted, and the export reaches the collector through the queue", async () => {
    await admin.workflows.put("report-chain", CHAIN);
    work("data-collector", () => ({ records: [{ region: "emea", total: 10 }] }));
    work("data-enricher", (task) => ({ records: (task.input as { records: unknown[] }).records, enriched_at: "2026-12-04T00:00:00.000Z" }));
    work("report-generator", () => ({ title: "Q3 revenue", body: "one region" }));
    work("email-distributor", () => ({ sent_to: ["cfo@example.com"] }));
    const started = await clients.get("data-collector")!.runs.start("report-chain", { input: { quarter: "Q3" } });
    const run = await admin.runs.wait(started.run_id, { timeoutMs: 90_000 });
    expect(run.status).toBe("succeeded");

    const trace = await admin.runs.trace(run.run_id);
    expect(trace.spans.filter((s) => s.kind === "task")).toHaveLength(4);
    expect(trace.spans.filter((s) => s.kind === "message")).toHaveLength(3);
    expectComplete(trace, run, await admin.runs.messages(run.run_id));

    // The on-demand OTLP document, posted to the collector as any exporter would.
    const otlp = await admin.runs.trace(run.run_id, { format: "otlp" });
    const posted = await fetch(`${receiver.url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "x-switchyard-e2e": "manual" }, body: JSON.stringify(otlp) });
    expect(posted.status, await posted.text()).toBe(200);

    // The automatic export: refused once (503), retried by the queue, then accepted, with the configured headers.
    const exported = await receiver.accepted(trace.trace_id);
    expect(exported.problems).toEqual([]);
    expect(exported.headers.authorization).toBe("Bearer e2e-collector-token");
    expect(exported.headers["x-scope-orgid"]).toBe("switchyard");
    expect(receiver.received.filter((r) => r.traceIds.includes(trace.trace_id) && r.status === 503)).toHaveLength(1);
    const spans = (exported.body as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans).toHaveLength(trace.spans.length);
  });

  it("traces the seed's hierarchy: the fan-out, the synthesis joined to every worker, and exports it too", async () => {
    await admin.workflows.put("q3-review", HIERARCHY);
    for (const worker of ["sales-analyst", "marketing-analyst", "ops-analyst"]) work(worker, (task) => ({ worker, task: (task.input as { task: string }).task }));
    work("executive-analyst", (task) => ({ summary: `${(task.input as { results: unknown[] }).results.length} reports` }));
    const started = await clients.get("executive-analyst")!.runs.start("q3-review", { input: { quarter: "Q3" } });
    const run = await admin.runs.wait(started.run_id, { timeoutMs: 90_000 });
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ summary: "3 reports" });

    const trace = await admin.runs.trace(run.run_id);
    expectComplete(trace, run, []);
    const synthesis = trace.spans.find((s) => s.kind === "synthesis")!;
    const workerSpans = trace.spans.filter((s) => s.kind === "task");
    expect(workerSpans.map((s) => s.agent_id).sort()).toEqual(["marketing-analyst", "ops-analyst", "sales-analyst"]);
    expect(synthesis.links.map((l) => l.kind)).toEqual(["join", "join", "join"]);
    expect(new Set(synthesis.links.map((l) => l.span_id))).toEqual(new Set(workerSpans.map((s) => s.span_id)));

    const exported = await receiver.accepted(trace.trace_id);
    expect(exported.problems).toEqual([]);

    // The workflow's graph and bottlenecks read what the run wrote when it ended.
    const graph = await admin.workflows.graph("q3-review");
    expect(graph.edges.filter((e) => e.kind === "delegation").map((e) => [e.to, e.observed_count]).sort()).toEqual([["marketing-analyst", 1], ["ops-analyst", 1], ["sales-analyst", 1]]);
    const slow = await admin.workflows.bottlenecks("q3-review");
    expect(slow.runs).toBe(1);
    expect(slow.agents.map((a) => a.agent).sort()).toEqual(["executive-analyst", "marketing-analyst", "ops-analyst", "sales-analyst"]);
  });
});
