import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { declaredEdges } from "../../src/observability/declared-edges";
import { definition, pollTasks, runInit, runStub, uniqueName } from "../runs/run-fixtures";

// Declared edges of each pattern (the seed's blocks), and an event-driven run's observed event edges and its event span.

describe("declared edges", () => {
  it("reads each of the seed's patterns, combined in one definition", () => {
    const def = definition([
      { pattern: "event-driven", events: [
        { type: "data.loaded", filter: "source == 'sales_warehouse'", agents: ["data-quality-checker", "schema-drift-detector"] },
        { type: "anomaly.detected", filter: "severity >= 'high'", agents: ["incident-reporter", "auto-remediation-agent"] },
      ] },
      { pattern: "message-passing", flow: [
        { from: "data-collector", to: "data-enricher", message: { schema: "raw_records" } },
        { from: "data-enricher", to: "report-generator", message: { schema: "enriched_records" } },
      ] },
      { pattern: "shared-state", state_store: { type: "key-value", conflict_resolution: "last-write-wins", keys: {} }, agents: [
        { name: "revenue-analyzer", reads: [], writes: ["revenue_by_region", "revenue_trends"] },
        { name: "cost-analyzer", reads: [], writes: ["cost_by_region", "cost_trends"] },
        { name: "profitability-summarizer", reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends", "profitability_report"], writes: ["profitability_report"] },
      ] },
      { pattern: "hierarchical", supervisor: "executive-analyst", workers: [{ name: "sales-analyst", task: "t", branch: false }, { name: "ops-analyst", task: "t", branch: false }], aggregation: { strategy: "supervisor-synthesis", timeout_seconds: 300 } },
    ]);
    expect(declaredEdges(def)).toEqual([
      { from: "event:data.loaded", to: "data-quality-checker", kind: "event" },
      { from: "event:data.loaded", to: "schema-drift-detector", kind: "event" },
      { from: "event:anomaly.detected", to: "incident-reporter", kind: "event" },
      { from: "event:anomaly.detected", to: "auto-remediation-agent", kind: "event" },
      { from: "data-collector", to: "data-enricher", kind: "message" },
      { from: "data-enricher", to: "report-generator", kind: "message" },
      // One edge per writer → reader, whatever the number of keys; reading its own key is no edge.
      { from: "revenue-analyzer", to: "profitability-summarizer", kind: "state" },
      { from: "cost-analyzer", to: "profitability-summarizer", kind: "state" },
      { from: "executive-analyst", to: "sales-analyst", kind: "delegation" },
      { from: "executive-analyst", to: "ops-analyst", kind: "delegation" },
    ]);
  });
});

describe("observed event edges", () => {
  it("counts an event-driven run's deliveries from event:<type> to each agent it started", async () => {
    const [checker, detector] = [uniqueName("data-quality-checker"), uniqueName("schema-drift-detector")];
    const init = runInit(definition([{ pattern: "event-driven", events: [{ type: "data.loaded", filter: null, agents: [checker, detector] }] }]));
    init.event = { event_id: "evt_01jd3k5b8q0c7m2x4v6n9p1r3t", type: "data.loaded", source: "sales_warehouse", data: { row_count: 3 }, time: new Date().toISOString() };
    init.matched = { "0": [0] };
    const run = runStub(init.run_id);
    await run.start(init);
    for (const agent of [checker, detector]) for (const task of await pollTasks(agent)) await run.complete(task.task_id, { output: "checked" }, { agent_id: agent, admin: false });
    expect((await run.view())!.status).toBe("succeeded");
    const { results } = await env.DB.prepare("SELECT from_agent, to_agent, kind, count FROM _run_edges WHERE run_id = ? ORDER BY to_agent").bind(init.run_id).all();
    expect(results).toEqual(
      [checker, detector].sort().map((to) => ({ from_agent: "event:data.loaded", to_agent: to, kind: "event", count: 1 })),
    );
    // The event is a span of the run, and each task it started links to it.
    const spans = (await run.runTrace())!.spans;
    const runSpan = spans.find((s) => s.kind === "run")!;
    const events = spans.filter((s) => s.kind === "event");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ parent_span_id: runSpan.span_id, name: "event data.loaded", status: "ok", attributes: { event_id: init.event.event_id, type: "data.loaded", source: "sales_warehouse" } });
    const tasks = spans.filter((s) => s.kind === "task");
    expect(tasks.map((t) => t.agent_id).sort()).toEqual([checker, detector].sort());
    for (const task of tasks) expect(task.links).toEqual([{ span_id: events[0]!.span_id, kind: "event" }]);
  });
});
