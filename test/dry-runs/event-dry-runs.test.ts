import { beforeAll, describe, expect, it } from "vitest";
import { api, count, expectError } from "../helpers";
import { registerType } from "../events/event-helpers";
import { EVENT_DRIVEN } from "../workflows/seed-blocks";
import { seedCatalog } from "../workflows/workflow-helpers";

// A dry run of the seed's event-driven block decides its event exactly as POST /v1/events would: with
// anomaly.detected registered (severity an enum), `severity >= 'high'` compares levels, not letters.

const SEVERITY = { type: "object", properties: { severity: { type: "string", enum: ["low", "medium", "high", "critical"] }, service: { type: "string" } }, required: ["severity"] };
const SCRIPTS = { "incident-reporter": { output: { filed: true } }, "auto-remediation-agent": { output: { fixed: true } } };

const dryRun = (severity: string, extra: Record<string, unknown> = {}) =>
  api("POST", "/v1/dry-runs", { body: { definition: EVENT_DRIVEN, agents: SCRIPTS, event: { type: "anomaly.detected", source: "metrics", data: { severity, ...extra } } } });

const agentsOf = (body: { tasks: { agent_id: string }[] }) => body.tasks.map((t) => t.agent_id).sort();

describe("dry runs of event-driven definitions", () => {
  beforeAll(async () => {
    await seedCatalog();
    await registerType("anomaly.detected", SEVERITY);
  });

  it("starts the critical entry's agents for `critical`, though 'critical' < 'high' as text", async () => {
    const res = await dryRun("critical");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("succeeded");
    expect(agentsOf(res.body)).toEqual(["auto-remediation-agent", "incident-reporter"]);
    // Both tasks got the event as input, and the trace is a real run's: the run, then a span per task.
    expect(res.body.tasks.map((t: { input: { type: string } }) => t.input.type)).toEqual(["anomaly.detected", "anomaly.detected"]);
    const kinds = res.body.trace.map((s: { kind: string }) => s.kind);
    expect(kinds[0]).toBe("run");
    expect(kinds.filter((k: string) => k === "task")).toHaveLength(2);
    expect(res.body.findings.filter((f: { kind: string }) => f.kind === "event_unmatched")).toEqual([]);
  });

  it("matches no entry for `low`, though 'low' > 'high' as text, and says which filter said no and what it saw", async () => {
    const res = await dryRun("low");
    expect(res.status).toBe(200);
    expect(res.body.tasks).toEqual([]);
    const unmatched = res.body.findings.filter((f: { kind: string }) => f.kind === "event_unmatched");
    expect(unmatched).toContainEqual(expect.objectContaining({ filter: "severity >= 'high'", details: expect.objectContaining({ entry: 1, saw: { severity: "low" } }) }));
    expect(unmatched).toContainEqual(expect.objectContaining({ severity: "warning", message: expect.stringContaining("matched no entry") }));
  });

  it("refuses an event its registered type would refuse (400 with the path), and writes no event", async () => {
    const before = await count("SELECT COUNT(*) AS n FROM _events");
    const res = await dryRun("catastrophic");
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details[0].path).toBe("data.severity");
    expect(await count("SELECT COUNT(*) AS n FROM _events")).toBe(before);
  });

  it("writes no event, decision or run for the events it decides", async () => {
    const before = { events: await count("SELECT COUNT(*) AS n FROM _events"), runs: await count("SELECT COUNT(*) AS n FROM _runs") };
    expect((await dryRun("high")).body.status).toBe("succeeded");
    expect(await count("SELECT COUNT(*) AS n FROM _events")).toBe(before.events);
    expect(await count("SELECT COUNT(*) AS n FROM _runs")).toBe(before.runs);
  });
});
