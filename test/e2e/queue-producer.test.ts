// A real Cloudflare Queues producer (examples/queue-producer) in the same `wrangler dev` session as
// Switchyard: what it puts on the `switchyard-events` queue starts runs, exactly as POST /v1/events does.
// The seed's event-driven YAML, verbatim, is the workflow; a warehouse loader's notice arrives at the
// producer, which turns it into the seed's `data.loaded` event from `sales_warehouse`. A second workflow
// combines an event-driven entry with message-passing, so its first agent is started by both patterns and
// must get one task.
import { beforeAll, describe, expect, it } from "vitest";
import type { InboxTask, Switchyard, SwitchyardEvent } from "../../clients/typescript/index.ts";
import { EVENT_DRIVEN } from "../workflows/seed-blocks.ts";
import { localServer } from "./server.ts";

const SEED_AGENTS = ["data-quality-checker", "schema-drift-detector", "incident-reporter", "auto-remediation-agent"];

async function eventually<T>(probe: () => Promise<T | undefined>, label: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a Queues producer Worker in the same wrangler dev session", () => {
  const local = localServer({ withQueueProducer: true });
  const keys: Record<string, string> = {};
  let admin: Switchyard;

  /** Switchyard's API as a user calls it without the client (workflows and versions), through the producer's pass-through. */
  const call = async (method: string, path: string, body?: unknown, contentType = "application/json") => {
    const res = await fetch(`${local.server.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${local.server.adminToken}`, ...(body === undefined ? {} : { "content-type": contentType }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const producer = (path: string, body: unknown) =>
    fetch(`${local.server.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const tasksOf = async (agent: string, runId: string) =>
    ((await local.client(keys[agent]!).inbox.poll(agent, { kind: "task", limit: 100 })).items as InboxTask[]).filter((t) => t.run_id === runId);

  beforeAll(async () => {
    admin = local.admin();
    for (const agent of [...SEED_AGENTS, "collector", "enricher"]) {
      await admin.agents.create({ agent_id: agent });
      keys[agent] = (await admin.agents.keys.create(agent)).api_key;
      expect((await call("POST", `/v1/agents/${agent}/versions`, { version: "1.0.0" })).status).toBe(201);
    }
    expect((await call("PUT", "/v1/workflows/seed-event-driven", EVENT_DRIVEN, "application/yaml")).status).toBe(201);
    await admin.eventTypes.put("anomaly.detected", { schema: { type: "object", properties: { severity: { type: "string", enum: ["low", "medium", "high", "critical"] } }, required: ["severity"] } });
    const combined = `coordination:
  - pattern: event-driven
    events: [{type: batch.ready, agents: [collector]}]
  - pattern: message-passing
    flow: [{from: collector, to: enricher}]
`;
    expect((await call("PUT", "/v1/workflows/collect-and-enrich", combined, "application/yaml")).status).toBe(201);
  });

  it("turns a warehouse loader's notice into the seed's data.loaded event, whose run gives the two checkers a task each", async () => {
    const notice = { table: "orders", rows: 1200, loaded_at: "2026-11-21T06:00:00.000Z" };
    const queued = await producer("/ingest/warehouse-load", notice);
    expect(queued.status).toBe(202);
    const { event_id } = (await queued.json()) as { event_id: string };
    // The loader retries its notice: the same load is the same event, and starts nothing twice.
    expect((await producer("/ingest/warehouse-load", notice)).status).toBe(202);

    const event = await eventually(
      () => admin.events.get(event_id).then((e) => (e.runs.length > 0 ? e : undefined)).catch(() => undefined),
      "the event from the queue",
    );
    expect(event).toMatchObject({ type: "data.loaded", source: "sales_warehouse", publisher: "queue", data: { table: "orders", rows: 1200 }, runs: [{ workflow: "seed-event-driven" }] });
    const runId = event.runs[0]!.run_id;
    for (const agent of ["data-quality-checker", "schema-drift-detector"]) {
      const [task, ...more] = await eventually(() => tasksOf(agent, runId).then((t) => (t.length > 0 ? t : undefined)), `${agent}'s task`);
      expect(more).toEqual([]);
      expect(task!.input).toMatchObject({ event_id, type: "data.loaded", source: "sales_warehouse" });
      await local.client(keys[agent]!).tasks.complete(task!.task_id, { output: { checked: notice.table } });
    }
    const run = await eventually(() => admin.runs.get(runId).then((r) => (r.status === "succeeded" ? r : undefined)), "the run's end");
    expect(run.output).toEqual({ "data-quality-checker": { checked: "orders" }, "schema-drift-detector": { checked: "orders" } });
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await admin.runs.list({ workflow: "seed-event-driven" })).items).toHaveLength(1);
  });

  it("publishes a list of events: duplicates start nothing new, an invalid one is recorded as rejected, levels are in order", async () => {
    const severities = ["low", "medium", "high", "critical"];
    const events = [
      ...severities.map((severity, i) => ({ type: "anomaly.detected", event_id: `anomaly-${i}`, source: "metrics", data: { severity } })),
      { type: "anomaly.detected", event_id: "anomaly-3", source: "metrics", data: { severity: "critical" } },
      { type: "anomaly.detected", event_id: "anomaly-bad", data: { severity: "apocalyptic" } },
      { type: "batch.ready", event_id: "batch-1", data: { rows: 3 } },
    ];
    expect((await producer("/publish", events)).status).toBe(202);

    const settled = await eventually(async () => {
      const seen = await Promise.all(events.map((e) => admin.events.get(e.event_id).catch(() => undefined)));
      return seen.every((e) => e !== undefined) ? (seen as SwitchyardEvent[]) : undefined;
    }, "every event from the queue");
    const started = Object.fromEntries(settled.slice(0, 4).map((e, i) => [severities[i], e.runs.map((r) => r.workflow)]));
    expect(started).toEqual({ low: [], medium: [], high: ["seed-event-driven"], critical: ["seed-event-driven"] });
    expect(settled[5]).toMatchObject({ status: "rejected", rejection: { details: [{ path: "data.severity" }] }, runs: [] });
    const anomalyRuns = (await admin.runs.list({ workflow: "seed-event-driven" })).items.filter((r) => (r.trigger as { event_id?: string }).event_id?.startsWith("anomaly-"));
    expect(anomalyRuns).toHaveLength(2);

    // The combined workflow: the collector is started by the event entry and by the flow, once.
    const runId = settled[6]!.runs[0]!.run_id;
    const [collected, ...again] = await eventually(() => tasksOf("collector", runId).then((t) => (t.length > 0 ? t : undefined)), "the collector's task");
    expect(again).toEqual([]);
    await local.client(keys.collector!).tasks.complete(collected!.task_id, { output: { records: 3 } });
    const [enrich] = await eventually(() => tasksOf("enricher", runId).then((t) => (t.length > 0 ? t : undefined)), "the enricher's task");
    expect(enrich!.input).toEqual({ records: 3 });
    await local.client(keys.enricher!).tasks.complete(enrich!.task_id, { output: { enriched: 3 } });
    const run = await eventually(() => admin.runs.get(runId).then((r) => (r.status === "succeeded" ? r : undefined)), "the combined run's end");
    expect(run.tasks.map((t) => t.agent_id)).toEqual(["collector", "enricher"]);
  });

  it("refuses what is no event at the producer itself", async () => {
    expect((await producer("/publish", [{ data: {} }])).status).toBe(400);
    expect((await producer("/ingest/warehouse-load", { table: "orders" })).status).toBe(400);
  });
});
