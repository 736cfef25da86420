import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, count, expectError, invalidPaths, newAgent, uniqueId } from "../helpers";
import { EVENT_DRIVEN } from "../workflows/seed-blocks";
import { issuesOf, putWorkflow, seedCatalog, workflowName } from "../workflows/workflow-helpers";
import { decisionFor, defined, eventOf, eventRows, publish, published, registerType, runOf, runsOfWorkflow, tasksFor } from "./event-helpers";

const SEVERITY = { type: "object", properties: { severity: { type: "string", enum: ["low", "medium", "high", "critical"] }, service: { type: "string" } }, required: ["severity"] };

describe("the seed's event-driven YAML, verbatim", () => {
  const name = workflowName("seed-events");

  beforeAll(async () => {
    await seedCatalog();
    await api("DELETE", "/v1/event-types/anomaly.detected");
  });

  it("is accepted, with a warning that `severity >= 'high'` compares text while anomaly.detected is not registered", async () => {
    const res = await putWorkflow(undefined, name, EVENT_DRIVEN);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const alphabetical = res.body.warnings.filter((w: { message: string }) => /alphabetically/.test(w.message));
    expect(alphabetical).toEqual([
      { path: "coordination.events[1].filter", line: 10, column: 15, message: expect.stringMatching(/'anomaly\.detected' is not registered; register it with `severity` as an enum/) },
    ]);
  });

  it("gives data-quality-checker and schema-drift-detector a task each for a data.loaded event from sales_warehouse", async () => {
    const answer = await published({ type: "data.loaded", source: "sales_warehouse", data: { table: "orders", rows: 1200 } });
    const mine = answer.runs.filter((r) => r.workflow === name);
    expect(mine).toHaveLength(1);
    const run = await runOf(mine[0]!.run_id);
    expect(run).toMatchObject({ status: "running", trigger: { type: "event", event_id: answer.event_id } });
    expect(run.tasks.map((t: { agent_id: string }) => t.agent_id).sort()).toEqual(["data-quality-checker", "schema-drift-detector"]);
    // Pollable when the publish answered, with the event as input.
    for (const agent of ["data-quality-checker", "schema-drift-detector"]) {
      const [task, ...more] = await tasksFor(agent, mine[0]!.run_id);
      expect(more).toEqual([]);
      expect(task!.input).toEqual({ event_id: answer.event_id, type: "data.loaded", source: "sales_warehouse", data: { table: "orders", rows: 1200 }, time: expect.any(String) });
    }
  });

  it("gives no one a task for a data.loaded event from elsewhere, and says why (which filter, what it saw)", async () => {
    const answer = await published({ type: "data.loaded", source: "crm", data: { table: "contacts" } });
    expect(answer.runs.filter((r) => r.workflow === name)).toEqual([]);
    const decision = await decisionFor(answer.event_id, name);
    expect(decision).toEqual({
      workflow: name,
      revision: 1,
      matched: false,
      reason: "nothing matched: coordination.events[0]: the filter `source == 'sales_warehouse'` is false",
      entries: [
        {
          source: "coordination.events[0]",
          kind: "pattern",
          filter: "source == 'sales_warehouse'",
          matched: false,
          reason: "the filter `source == 'sales_warehouse'` is false",
          saw: { source: "crm" },
        },
      ],
      run_id: null,
      run_status: null,
      run_error: null,
      decided_at: expect.any(String),
    });
  });

  it("with anomaly.detected registered (severity an enum), starts incident-reporter and auto-remediation-agent for critical and high, nothing for low and medium", async () => {
    await registerType("anomaly.detected", SEVERITY);
    const outcomes: Record<string, string[]> = {};
    for (const severity of ["low", "medium", "high", "critical"]) {
      const answer = await published({ type: "anomaly.detected", source: "metrics", data: { severity, service: "billing" } });
      const run = answer.runs.find((r) => r.workflow === name);
      outcomes[severity] = run ? (await runOf(run.run_id)).tasks.map((t: { agent_id: string }) => t.agent_id).sort() : [];
      if (!run) expect((await decisionFor(answer.event_id, name))!.entries[0]).toMatchObject({ matched: false, reason: "the filter `severity >= 'high'` is false", saw: { severity } });
    }
    expect(outcomes).toEqual({
      low: [],
      medium: [],
      high: ["auto-remediation-agent", "incident-reporter"],
      critical: ["auto-remediation-agent", "incident-reporter"],
    });
  });

  it("is accepted without the warning once the type is registered", async () => {
    const res = await putWorkflow(undefined, workflowName("seed-events-registered"), EVENT_DRIVEN);
    expect(res.status).toBe(201);
    expect(res.body.warnings.filter((w: { message: string }) => /alphabetically/.test(w.message))).toEqual([]);
  });
});

describe("one event id, one run", () => {
  it("starts exactly one run for 50 concurrent posts of one event_id; the others are duplicates answering that run", async () => {
    const type = uniqueId("order.created");
    const [agent] = [uniqueId("fulfil")];
    await seedAgent(agent!);
    const name = workflowName("dedupe");
    await defined(name, `coordination:\n  pattern: event-driven\n  events:\n    - {type: ${type}, agents: [${agent}]}\n`);
    const eventId = uniqueId("order-42");
    const answers = await Promise.all(Array.from({ length: 50 }, () => publish({ type, event_id: eventId, data: { order: 42 } })));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(202));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    const runIds = new Set(answers.map((a) => JSON.stringify(a.body.runs)));
    expect(runIds.size).toBe(1);
    expect(answers[0]!.body.runs).toEqual([{ run_id: expect.stringMatching(/^run_/), workflow: name }]);
    expect(await runsOfWorkflow(name)).toBe(1);
    expect(await eventRows(eventId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _event_decisions WHERE event_id = ?", eventId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'event:publish' AND details ->> '$.event_id' = ?", eventId)).toBe(1);
  });

  it("honours an Idempotency-Key for a publish without event_id, and stores data exactly as sent", async () => {
    const type = uniqueId("keyed");
    const agent = uniqueId("keyed-agent");
    await seedAgent(agent);
    const name = workflowName("keyed");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent}]}]\n`);
    const raw = `{"type": "${type}", "data": {"__proto__": {"x": 1}, "n": 1}}`;
    const headers = { "idempotency-key": uniqueId("idem"), "content-type": "application/json" };
    const first = await api("POST", "/v1/events", { raw, headers });
    const retry = await api("POST", "/v1/events", { raw, headers });
    expect(first.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(await runsOfWorkflow(name)).toBe(1);
    const stored = await env.DB.prepare("SELECT data FROM _events WHERE event_id = ?").bind(first.body.event_id).first<{ data: string }>();
    expect(stored!.data).toBe('{"__proto__":{"x":1},"n":1}');
  });

  it("takes the same id as a new event once EVENT_DEDUPE_SECONDS have passed", async () => {
    const type = uniqueId("tick");
    const agent = uniqueId("ticker");
    await seedAgent(agent);
    const name = workflowName("window");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent}]}]\n`);
    const eventId = uniqueId("tick-1");
    const first = await published({ type, event_id: eventId, data: {} });
    expect((await published({ type, event_id: eventId, data: {} })).duplicate).toBe(true);
    // The first was received a day and a second ago (the clock moved on, as far as the window is concerned).
    await env.DB.prepare("UPDATE _events SET received_at = ? WHERE event_id = ?").bind(new Date(Date.now() - 86_401_000).toISOString(), eventId).run();
    const again = await published({ type, event_id: eventId, data: {} });
    expect(again.duplicate).toBe(false);
    expect(again.runs[0]!.run_id).not.toBe(first.runs[0]!.run_id);
    expect(await runsOfWorkflow(name)).toBe(2);
    expect((await eventOf(eventId)).decisions).toHaveLength(1);
  });
});

async function seedAgent(agentId: string) {
  await api("POST", "/v1/agents", { body: { agent_id: agentId } });
  await api("POST", `/v1/agents/${agentId}/versions`, { body: { version: "1.0.0" } });
}

describe("refusals store nothing", () => {
  it("refuses an event off its registered schema with 400 and the paths, storing nothing and starting nothing", async () => {
    const type = uniqueId("metric.breached");
    await registerType(type, SEVERITY);
    const agent = uniqueId("oncall");
    await seedAgent(agent);
    const name = workflowName("strict");
    await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent}]}]\n`);
    const eventId = uniqueId("bad");
    const res = await publish({ type, event_id: eventId, data: { severity: "urgent", service: 7 } });
    expect(invalidPaths(res).sort()).toEqual(["data.service", "data.severity"]);
    expect(res.body.error.message).toMatch(/does not match the schema registered for/);
    expect(await eventRows(eventId)).toBe(0);
    expect(await runsOfWorkflow(name)).toBe(0);
    expect(invalidPaths(await publish({ type, data: {} }))).toEqual(["data"]);
  });

  it("refuses bad envelopes: unknown fields, a malformed id or time, a platform type, Switchyard's source, oversized data", async () => {
    expect(invalidPaths(await publish({ type: "x", data: {}, extra: 1 }))).toEqual(["extra"]);
    expect(invalidPaths(await publish({ type: "x", data: {}, event_id: "has spaces" }))).toEqual(["event_id"]);
    expect(invalidPaths(await publish({ type: "x", data: {}, time: "yesterday" }))).toEqual(["time"]);
    expect(invalidPaths(await publish({ type: "bad type!", data: {} }))).toEqual(["type"]);
    expect(invalidPaths(await publish({ type: "x" }))).toEqual(["data"]);
    expect(invalidPaths(await publish({ type: "run.failed", data: {} }))).toEqual(["type"]);
    expect(invalidPaths(await publish({ type: "x", source: "switchyard", data: {} }))).toEqual(["source"]);
    expectError(await publish({ type: "x", data: { blob: "x".repeat(300 * 1024) } }), 413, "payload_too_large");
  });

  it("lets agents publish and refuses readers (403, recorded)", async () => {
    const agent = await newAgent("agent");
    const reader = await newAgent("reader");
    expect((await publish({ type: uniqueId("ping"), data: {} }, agent.key)).status).toBe(202);
    expectError(await publish({ type: "ping", data: {} }, reader.key), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'event:publish'", reader.agentId)).toBe(1);
    expect((await api("GET", "/v1/events?limit=1", { key: reader.key })).status).toBe(200);
  });

  it("refuses a filter that names a field the registered type does not declare, with its path and line", async () => {
    const type = uniqueId("incident.opened");
    await registerType(type, SEVERITY);
    const yaml = `coordination:\n  pattern: event-driven\n  events:\n    - type: ${type}\n      filter: "sevrity >= 'high'"\n      agents: [incident-reporter]\n`;
    const name = workflowName("typo");
    const issues = issuesOf(await putWorkflow(undefined, name, yaml));
    expect(issues).toEqual([{ path: "coordination.events[0].filter", line: 5, column: 15, message: expect.stringMatching(/`sevrity`, which event type '.*' does not declare \(it declares `severity`, `service`\)/) }]);
    expect(await count("SELECT COUNT(*) AS n FROM _workflows WHERE name = ?", name)).toBe(0);
    const level = issuesOf(await putWorkflow(undefined, name, yaml.replace("sevrity >= 'high'", "severity >= 'urgent'")));
    expect(level[0]!.message).toMatch(/'urgent', which is not one of its levels \(low, medium, high, critical\)/);
    const broken = issuesOf(await putWorkflow(undefined, name, yaml.replace("sevrity >= 'high'", "severity >=")));
    expect(broken[0]).toMatchObject({ path: "coordination.events[0].filter", line: 5, message: expect.stringMatching(/does not parse as CEL/) });
  });
});

describe("event types", () => {
  it("registers, changes, lists with the platform types, reads and deletes a type", async () => {
    const type = uniqueId("deploy.finished");
    const created = await api("PUT", `/v1/event-types/${type}`, { body: { schema: SEVERITY, description: "A deploy ended." } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type, version: 1, platform: false, description: "A deploy ended.", created_by: "admin" });
    expect((await api("PUT", `/v1/event-types/${type}`, { body: { schema: SEVERITY, description: "A deploy ended." } })).body.version).toBe(1);
    const changed = await api("PUT", `/v1/event-types/${type}`, { body: { schema: { type: "object" } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, description: null, schema: { type: "object" } });
    const listed = await api("GET", "/v1/event-types?limit=100");
    const names = listed.body.items.map((t: { type: string }) => t.type);
    expect(names).toEqual(expect.arrayContaining([type, "run.failed", "memory.stored", "task.failed", "policy.denied"]));
    expect(names).toEqual([...names].sort());
    expect((await api("GET", "/v1/event-types/run.failed")).body).toMatchObject({ platform: true, schema: { properties: { run_id: { type: "string" } } } });
    expect((await api("DELETE", `/v1/event-types/${type}`)).body).toEqual({ type, deleted: true });
    expectError(await api("GET", `/v1/event-types/${type}`), 404, "not_found");
    expectError(await api("DELETE", `/v1/event-types/${type}`), 404, "not_found");
  });

  it("refuses a schema that is no JSON Schema, a platform type, and anyone but an admin", async () => {
    const type = uniqueId("bad.schema");
    expect(invalidPaths(await api("PUT", `/v1/event-types/${type}`, { body: { schema: { type: "object", properties: { n: { type: "numbr" } } } } }))).toEqual(["schema.properties.n.type"]);
    expectError(await api("GET", `/v1/event-types/${type}`), 404, "not_found");
    expect(invalidPaths(await api("PUT", "/v1/event-types/run.failed", { body: { schema: {} } }))).toEqual(["type"]);
    const agent = await newAgent("agent");
    expectError(await api("PUT", `/v1/event-types/${type}`, { key: agent.key, body: { schema: {} } }), 403, "forbidden");
  });

  it("changes the order of levels for filters already saved, from the next event on", async () => {
    const type = uniqueId("alert");
    await registerType(type, { type: "object", properties: { level: { type: "string", enum: ["low", "high"] } } });
    const agent = uniqueId("pager");
    await seedAgent(agent);
    const name = workflowName("reorder");
    await defined(name, `coordination:\n  pattern: event-driven\n  events:\n    - {type: ${type}, filter: "level >= 'high'", agents: [${agent}]}\n`);
    expect((await published({ type, data: { level: "low" } })).runs).toEqual([]);
    await registerType(type, { type: "object", properties: { level: { type: "string", enum: ["high", "low"] } } });
    expect((await published({ type, data: { level: "low" } })).runs).toEqual([{ run_id: expect.any(String), workflow: name }]);
  });
});

describe("reading events", () => {
  it("lists events newest first by type and since, each with its decisions, a page at a time", async () => {
    const type = uniqueId("page.viewed");
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await published({ type, data: { i } })).event_id);
    const first = await api("GET", `/v1/events?type=${type}&limit=2`);
    expect(first.body.items.map((e: { event_id: string }) => e.event_id)).toEqual([ids[4], ids[3]]);
    const second = await api("GET", `/v1/events?type=${type}&limit=2&cursor=${first.body.next_cursor}`);
    const third = await api("GET", `/v1/events?type=${type}&limit=2&cursor=${second.body.next_cursor}`);
    expect([...second.body.items, ...third.body.items].map((e: { event_id: string }) => e.event_id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.body.next_cursor).toBeNull();
    expect((await api("GET", `/v1/events?type=${type}&since=${new Date(Date.now() + 60_000).toISOString()}`)).body.items).toEqual([]);
    expect((await api("GET", `/v1/events?type=${type}&since=${since}`)).body.items).toHaveLength(5);
    expect(first.body.items[0]).toMatchObject({ type, status: "accepted", publisher: "http", published_by: "admin", depth: 0, decisions: [], runs: [], data: { i: 4 } });
    expectError(await api("GET", "/v1/events/nope-nothing"), 404, "not_found");
    expectError(await api("GET", "/v1/events?cursor=garbage"), 400, "invalid_request");
  });

  it("is readable with SQL", async () => {
    const type = uniqueId("sql.visible");
    const { event_id } = await published({ type, data: { n: 1 } });
    const res = await api("POST", "/v1/query", { body: { sql: "SELECT type, status FROM _events WHERE event_id = ?", params: [event_id] } });
    expect(res.body.rows).toEqual([{ type, status: "accepted" }]);
  });
});
