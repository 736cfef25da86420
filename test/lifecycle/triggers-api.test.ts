import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { issuesOf, putWorkflow } from "../workflows/workflow-helpers";
import { fireAlarm, runnableAgents, triggerIds, useTestClock } from "./lifecycle-helpers";

/** The seed's `triggers:` block word for word (its text export lost the indentation, restored here). */
const SEED_TRIGGERS = `triggers:
  - type: schedule
    cron: "0 8 * * MON"
    timezone: "America/New_York"
  - type: event
    event_type: data.loaded
    filter: "source == 'sales_warehouse' && row_count > 0"
  - type: webhook
    path: /hooks/revenue-report
    auth:
      type: api_key
      header: X-API-Key
  - type: polling
    interval_seconds: 300
    backoff:
      type: exponential
      max_interval_seconds: 3600
    condition: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'"
`;

describe("the seed's four trigger examples in one workflow", () => {
  it("are accepted verbatim, listed with their state, and each does its part", async () => {
    const clock = useTestClock("2026-06-05T12:00:00Z"); // a Friday
    const { coordination } = await runnableAgents("seed");
    const name = uniqueId("revenue-pipeline");
    const res = await putWorkflow(undefined, name, `description: Quarterly revenue pipeline\n${coordination}${SEED_TRIGGERS}`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.triggers).toEqual([
      { type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York", catchup: "latest" },
      { type: "event", event_type: "data.loaded", filter: "source == 'sales_warehouse' && row_count > 0" },
      { type: "webhook", path: "/hooks/revenue-report", auth: { type: "api_key", header: "X-API-Key" } },
      { type: "polling", interval_seconds: 300, backoff: { type: "exponential", max_interval_seconds: 3600 }, condition: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'" },
    ]);
    expect(res.body.hook_keys).toEqual([{ path: "/hooks/revenue-report", header: "X-API-Key", api_key: expect.stringMatching(/^syh_/) }]);

    const listed = await api("GET", `/v1/workflows/${name}/triggers`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { type: string; index: number }) => [t.index, t.type])).toEqual([[0, "schedule"], [1, "event"], [2, "webhook"], [3, "polling"]]);
    const [schedule, event, webhook, polling] = listed.body.items;
    expect(schedule.state).toEqual({ next_instant: "2026-06-08T12:00:00.000Z", next_instant_local: "2026-06-08T08:00:00-04:00", last_scheduled_for: null, catchup: "latest" });
    // Matched by the events module (its subscription, `triggers[1]`), not by these objects.
    expect([event.trigger_id, event.state]).toEqual([`${name}:triggers[1]`, { subscribed: true }]);
    expect(webhook.state).toEqual({ path: "/hooks/revenue-report", active_keys: 1 });
    expect(polling.state).toMatchObject({ current_interval_seconds: 300, polls: 0, condition_sql: "SELECT COUNT(*) FROM staging_pending AS pending WHERE status = 'ready'" });

    // The hook starts a run; the schedule fires on Monday at 08:00 New York time; the poll reports that its table is missing.
    const hooked = await SELF.fetch("https://switchyard.test/hooks/revenue-report", { method: "POST", headers: { "x-api-key": res.body.hook_keys[0].api_key, "content-type": "application/json" }, body: "{}" });
    expect(hooked.status).toBe(202);
    const ids = await triggerIds(name);
    const [scheduleId, pollingId] = [ids[0]!, ids[2]!];
    clock.set("2026-06-08T12:00:00Z");
    await fireAlarm(scheduleId);
    await fireAlarm(pollingId);
    const after = (await api("GET", `/v1/workflows/${name}/triggers`)).body.items;
    expect(after[0].last_decision).toMatchObject({ decision: "fired", details: { scheduled_for: "2026-06-08T12:00:00.000Z" } });
    expect(after[0].state).toMatchObject({ last_scheduled_for: "2026-06-08T12:00:00.000Z", next_instant: "2026-06-15T12:00:00.000Z" });
    expect(after[2].last_decision).toMatchObject({ decision: "fired" });
    expect(after[3].last_decision).toMatchObject({ decision: "failed", reason: expect.stringMatching(/no such table: staging_pending/) });
    expect(after[3].state.current_interval_seconds).toBe(600);
    // Cleaning up frees the seed's hook path for anyone else.
    expect((await api("DELETE", `/v1/workflows/${name}?force=true`)).status).toBe(200);
  });
});

describe("GET /v1/workflows/{name}/schedule", () => {
  const put = async (triggers: string) => {
    const { coordination } = await runnableAgents("prev");
    const name = uniqueId("preview");
    const res = await putWorkflow(undefined, name, `${coordination}triggers:\n${triggers}`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return name;
  };
  const schedule = (cron: string, timezone: string) => `  - {type: schedule, cron: "${cron}", timezone: ${timezone}}\n`;

  it("previews in UTC and local time with a note wherever daylight saving moved an instant", async () => {
    const name = await put(schedule("30 2 * * *", "America/New_York") + schedule("30 1 * * *", "America/New_York"));
    const spring = await api("GET", `/v1/workflows/${name}/schedule?from=2026-03-07T12:00:00Z&count=2`);
    expect(spring.status).toBe(200);
    expect(spring.body.schedules[0]).toMatchObject({ index: 0, cron: "30 2 * * *", timezone: "America/New_York", catchup: "latest" });
    expect(spring.body.schedules[0].instants).toEqual([
      { utc: "2026-03-08T07:00:00.000Z", local: "2026-03-08T03:00:00-04:00", offset: "-04:00", note: "02:30 does not exist on 2026-03-08 in America/New_York (clocks go forward); fires at 03:00 EDT" },
      { utc: "2026-03-09T06:30:00.000Z", local: "2026-03-09T02:30:00-04:00", offset: "-04:00", note: null },
    ]);
    const autumn = await api("GET", `/v1/workflows/${name}/schedule?from=2026-10-31T12:00:00Z&count=2`);
    expect(autumn.body.schedules[1].instants).toEqual([
      { utc: "2026-11-01T05:30:00.000Z", local: "2026-11-01T01:30:00-04:00", offset: "-04:00", note: "01:30 occurs twice on 2026-11-01; fires once, at the first (EDT)" },
      { utc: "2026-11-02T06:30:00.000Z", local: "2026-11-02T01:30:00-05:00", offset: "-05:00", note: null },
    ]);
  });

  it("shows 0 8 * * MON in New York at 12:00Z in summer and 13:00Z in winter, and Lord Howe's half-hour shift", async () => {
    const name = await put(schedule("0 8 * * MON", "America/New_York") + schedule("15 2 * * *", "Australia/Lord_Howe"));
    const summer = await api("GET", `/v1/workflows/${name}/schedule?from=2026-07-01T00:00:00Z&count=1`);
    expect(summer.body.schedules[0].instants[0]).toMatchObject({ utc: "2026-07-06T12:00:00.000Z", offset: "-04:00" });
    const winter = await api("GET", `/v1/workflows/${name}/schedule?from=2026-12-01T00:00:00Z&count=1`);
    expect(winter.body.schedules[0].instants[0]).toMatchObject({ utc: "2026-12-07T13:00:00.000Z", offset: "-05:00" });
    const howe = await api("GET", `/v1/workflows/${name}/schedule?from=2026-10-03T00:00:00Z&count=2`);
    expect(howe.body.schedules[1].instants).toEqual([
      { utc: "2026-10-03T15:30:00.000Z", local: "2026-10-04T02:30:00+11:00", offset: "+11:00", note: "02:15 does not exist on 2026-10-04 in Australia/Lord_Howe (clocks go forward); fires at 02:30 GMT+11" },
      { utc: "2026-10-04T15:15:00.000Z", local: "2026-10-05T02:15:00+11:00", offset: "+11:00", note: null },
    ]);
  });

  it("refuses a bad from or count with 400, and answers 404 for an unknown workflow", async () => {
    const name = await put(schedule("0 * * * *", "UTC"));
    expectError(await api("GET", `/v1/workflows/${name}/schedule?count=0`), 400, "invalid_request");
    expectError(await api("GET", `/v1/workflows/${name}/schedule?count=101`), 400, "invalid_request");
    expectError(await api("GET", `/v1/workflows/${name}/schedule?from=yesterday`), 400, "invalid_request");
    expectError(await api("GET", `/v1/workflows/${uniqueId("ghost")}/schedule`), 404, "not_found");
    expect((await api("GET", `/v1/workflows/${name}/schedule`)).body.schedules[0].instants).toHaveLength(10);
  });
});

describe("definitions and access", () => {
  it("refuses a bad trigger at PUT with the path and line of the mistake, storing nothing", async () => {
    const { coordination } = await runnableAgents("bad");
    const cases: [string, string][] = [
      ['  - {type: schedule, cron: "61 * * * *", timezone: UTC}\n', "triggers[0].cron"],
      ['  - {type: schedule, cron: "0 8 * * MON", timezone: "Mars/Olympus"}\n', "triggers[0].timezone"],
      ['  - {type: schedule, cron: "0 8 * * MON", timezone: UTC, catchup: sometimes}\n', "triggers[0].catchup"],
      ['  - {type: polling, interval_seconds: 5, backoff: {type: exponential, max_interval_seconds: 60}, condition: "SELECT 1"}\n', "triggers[0].interval_seconds"],
      ['  - {type: webhook, path: "/hooks/a b", auth: {type: api_key, header: X-API-Key}}\n', "triggers[0].path"],
      ['  - {type: webhook, path: x, auth: {type: jwt, secret_name: S, algorithms: [none]}}\n', "triggers[0].auth.algorithms[0]"],
      ["  - {type: cron, at: noon}\n", "triggers[0].type"],
    ];
    for (const [trigger, path] of cases) {
      const name = uniqueId("bad-trigger");
      const issues = issuesOf(await putWorkflow(undefined, name, `${coordination}triggers:\n${trigger}`));
      expect(issues.map((i) => i.path), trigger).toContain(path);
      expect(issues[0]!.line).toBeGreaterThan(5);
      expectError(await api("GET", `/v1/workflows/${name}`), 404, "not_found");
    }
  });

  it("lets readers list triggers and preview schedules, but not rotate keys; manual triggers are listed without state", async () => {
    const reader = await newAgent("reader");
    const { coordination } = await runnableAgents("acc");
    const name = uniqueId("access");
    const path = `/hooks/${uniqueId("acc")}`;
    await putWorkflow(undefined, name, `${coordination}triggers:\n  - {type: manual}\n  - {type: webhook, path: ${path}, auth: {type: api_key, header: X-Key}}\n`);
    const listed = await api("GET", `/v1/workflows/${name}/triggers`, { key: reader.key });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toEqual({ index: 0, type: "manual", trigger_id: null, definition: { type: "manual" }, state: null, last_decision: null, decisions: [] });
    expect((await api("GET", `/v1/workflows/${name}/schedule`, { key: reader.key })).body.schedules).toEqual([]);
    expectError(await api("POST", `/v1/workflows/${name}/hooks/rotate`, { key: reader.key, body: { path } }), 403, "forbidden");
    expectError(await api("POST", `/v1/workflows/${name}/hooks/rotate`, { body: { path: "/hooks/nope" } }), 404, "not_found");
    expectError(await api("POST", `/v1/workflows/${name}/hooks/rotate`, { body: { path: "a//b" } }), 400, "invalid_request");
    expectError(await api("POST", `/v1/workflows/${name}/hooks/rotate`, { body: {} }), 400, "invalid_request");
    expectError(await api("GET", `/v1/workflows/${name}/triggers`, { key: null }), 401, "unauthorized");
  });

  it("brings triggers back with a rollback; an api_key hook comes back without a key (the answer may be cached) until rotated", async () => {
    const { coordination } = await runnableAgents("rb");
    const name = uniqueId("rollback");
    const path = `/hooks/${uniqueId("rb")}`;
    const withHook = `${coordination}triggers:\n  - {type: webhook, path: ${path}, auth: {type: api_key, header: X-Key}}\n  - {type: schedule, cron: "0 6 * * *", timezone: Europe/Paris}\n`;
    const first = await putWorkflow(undefined, name, withHook);
    const [hookId, scheduleId] = await triggerIds(name);
    expect((await putWorkflow(undefined, name, coordination)).status).toBe(200);
    expect(await triggerIds(name)).toEqual([]);
    const call = (key: string) => SELF.fetch(`https://switchyard.test${path}`, { method: "POST", headers: { "x-key": key }, body: "{}" });
    expect((await call(first.body.hook_keys[0].api_key)).status).toBe(404);
    const rolled = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 }, headers: { "idempotency-key": `rb-${name}` } });
    expect(rolled.status).toBe(201);
    expect(rolled.body.hook_keys).toBeUndefined();
    expect(await triggerIds(name)).toEqual([hookId, scheduleId]);
    const listed = await api("GET", `/v1/workflows/${name}/triggers`);
    expect(listed.body.items[0].state).toEqual({ path, active_keys: 0 });
    expect((await call(first.body.hook_keys[0].api_key)).status).toBe(401);
    const rotated = await api("POST", `/v1/workflows/${name}/hooks/rotate`, { body: { path } });
    expect(rotated.body.previous_keys_expire_at).toBeNull();
    expect((await call(rotated.body.hook_keys[0].api_key)).status).toBe(202);
  });

  it("registers, on a PUT that changes nothing, the triggers of a workflow saved before they were wired", async () => {
    const { coordination } = await runnableAgents("legacy");
    const name = uniqueId("legacy");
    const path = `/hooks/${uniqueId("legacy")}`;
    const text = `${coordination}triggers:\n  - {type: webhook, path: ${path}, auth: {type: api_key, header: X-Key}}\n  - {type: schedule, cron: "0 6 * * *", timezone: UTC}\n`;
    expect((await putWorkflow(undefined, name, text)).status).toBe(201);
    const ids = await triggerIds(name);
    // As a deployment upgraded from before lifecycle triggers: the revision is there, its registry is not.
    await env.DB.batch([env.DB.prepare("DELETE FROM _lifecycle_triggers WHERE workflow = ?").bind(name), env.DB.prepare("DELETE FROM _hook_keys WHERE workflow = ?").bind(name)]);
    const again = await putWorkflow(undefined, name, text);
    expect(again.status).toBe(200);
    expect(again.body.revision).toBe(1);
    expect(again.body.hook_keys).toEqual([{ path, header: "X-Key", api_key: expect.stringMatching(/^syh_/) }]);
    expect(await triggerIds(name)).toEqual(ids);
    const third = await putWorkflow(undefined, name, text);
    expect(third.body.hook_keys).toBeUndefined();
  });

  it("documents every lifecycle route in the OpenAPI document", async () => {
    const doc = (await api("GET", "/openapi.json")).body;
    for (const [path, method] of [
      ["/v1/workflows/{name}/triggers", "get"],
      ["/v1/workflows/{name}/schedule", "get"],
      ["/v1/workflows/{name}/hooks/rotate", "post"],
      ["/hooks/{path}", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    }
    expect(JSON.stringify(doc.components.schemas.WorkflowWithHookKeys)).toContain('"hook_keys"');
    expect(doc.components.schemas.LifecycleTrigger).toBeDefined();
  });
});
