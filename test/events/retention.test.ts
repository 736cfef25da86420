import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeExpiredEvents, retentionSeconds } from "../../src/events/retention";
import { api, count, uniqueId } from "../helpers";
import { defined, eventOf, published } from "./event-helpers";

// Events and their decisions are deleted by the cron once older than EVENT_RETENTION_DAYS, in bounded
// slices; an id stays taken for at least the de-duplication window whatever the retention says.

const DAY_MS = 86_400_000;

describe("event retention", () => {
  it("deletes events past the window with their decisions, across several slices, and keeps the recent ones", async () => {
    const type = uniqueId("retained");
    const agent = uniqueId("keeper");
    await api("POST", "/v1/agents", { body: { agent_id: agent } });
    await api("POST", `/v1/agents/${agent}/versions`, { body: { version: "1.0.0" } });
    await defined(uniqueId("retention-wf"), `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent}]}]\n`);
    const old = await published({ type, data: { n: 0 } });
    const recent = await published({ type, data: { n: 1 } });
    expect((await eventOf(old.event_id)).decisions).toHaveLength(1);
    // The old one was received 31 days ago, with 1,200 more (inserted directly: more than two slices).
    const longAgo = new Date(Date.now() - 31 * DAY_MS).toISOString();
    await env.DB.prepare("UPDATE _events SET received_at = ? WHERE event_id = ?").bind(longAgo, old.event_id).run();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
       INSERT INTO _events (event_id, type, source, data, time, received_at, status, publisher, published_by, depth)
       SELECT 'evt_old_' || i, ?1, NULL, '{}', ?2, ?2, 'accepted', 'http', 'admin', 0 FROM n`,
    ).bind(type, longAgo).run();

    expect(await purgeExpiredEvents(env)).toBe(1201);
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE type = ?", type)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _event_decisions WHERE event_id = ?", old.event_id)).toBe(0);
    expect((await api("GET", `/v1/events/${old.event_id}`)).status).toBe(404);
    expect((await eventOf(recent.event_id)).decisions).toHaveLength(1);
    // A second tick finds nothing more to do.
    expect(await purgeExpiredEvents(env)).toBe(0);
  });

  it("never keeps events for less than the de-duplication window", () => {
    expect(retentionSeconds({ ...env, EVENT_RETENTION_DAYS: "0.0001", EVENT_DEDUPE_SECONDS: "86400" })).toBe(86_400);
    expect(retentionSeconds({ ...env, EVENT_RETENTION_DAYS: "30" })).toBe(30 * 86_400);
    expect(retentionSeconds({ ...env, EVENT_RETENTION_DAYS: "nonsense" })).toBe(30 * 86_400);
  });
});
