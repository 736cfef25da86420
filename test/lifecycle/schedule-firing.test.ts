import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LifecycleTrigger } from "../../durable-objects/lifecycle-trigger";
import { api } from "../helpers";
import { HOUR, MINUTE, cronTick, decisionsOf, fireAlarm, putTriggered, rawTriggerStub, runsOf, scheduledInstants, syncTrigger, triggerIds, useTestClock } from "./lifecycle-helpers";

const schedule = (cron: string, timezone: string, catchup?: string) =>
  `  - type: schedule\n    cron: "${cron}"\n    timezone: "${timezone}"\n${catchup ? `    catchup: ${catchup}\n` : ""}`;

/** Puts a workflow with one schedule at the clock's current time; returns its name and trigger id. */
async function scheduled(cron: string, timezone: string, catchup?: string) {
  const { name, res } = await putTriggered(schedule(cron, timezone, catchup), { prefix: "sch" });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const [id] = await triggerIds(name);
  return { name, id: id! };
}

describe("daylight saving, fired for real with the clock controlled", () => {
  it("fires 30 2 * * * in New York once on 2026-03-08, at 03:00 EDT right after the gap", async () => {
    const clock = useTestClock("2026-03-07T12:00:00Z");
    const { name, id } = await scheduled("30 2 * * *", "America/New_York");
    clock.set("2026-03-08T07:00:00Z");
    await fireAlarm(id);
    // Ticks through the rest of the day, by alarm and by the safety net: nothing more fires on the 8th.
    for (const at of ["2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z", "2026-03-08T12:00:00Z"]) {
      clock.set(at);
      await fireAlarm(id);
      await cronTick();
    }
    clock.set("2026-03-09T06:30:00Z");
    await fireAlarm(id);
    expect(await scheduledInstants(name)).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]);
    const fired = (await decisionsOf(name)).filter((d) => d.decision === "fired");
    expect(fired.map((d) => d.details?.local_time)).toEqual(["2026-03-09T02:30:00-04:00", "2026-03-08T03:00:00-04:00"]);
  });

  it("fires 30 1 * * * in New York once on 2026-11-01, at the first 01:30 (EDT), not again at 01:30 EST", async () => {
    const clock = useTestClock("2026-10-31T12:00:00Z");
    const { name, id } = await scheduled("30 1 * * *", "America/New_York");
    clock.set("2026-11-01T05:30:00Z");
    await fireAlarm(id);
    // The second 01:30 (EST, 06:30Z): the alarm and the safety net find nothing due.
    clock.set("2026-11-01T06:30:00Z");
    await fireAlarm(id);
    clock.set("2026-11-01T06:31:30Z");
    await cronTick();
    clock.set("2026-11-02T06:30:00Z");
    await fireAlarm(id);
    expect(await scheduledInstants(name)).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  it("fires 0 8 * * MON in New York at 12:00Z in summer and 13:00Z in winter", async () => {
    const clock = useTestClock("2026-07-04T00:00:00Z");
    // catchup: none, so the months the test skips over start nothing; each Monday below is fired on time.
    const { name, id } = await scheduled("0 8 * * MON", "America/New_York", "none");
    clock.set("2026-07-06T12:00:00Z");
    await fireAlarm(id);
    clock.set("2026-10-26T11:59:00Z");
    await syncTrigger(id); // the weeks between: skipped by the catch-up policy; next: 2026-10-26T12:00Z
    for (const monday of ["2026-10-26T12:00:00Z", "2026-11-02T13:00:00Z"]) {
      clock.set(monday);
      await fireAlarm(id);
    }
    clock.set("2026-11-02T12:00:00Z");
    expect(await scheduledInstants(name)).toEqual(["2026-07-06T12:00:00.000Z", "2026-10-26T12:00:00.000Z", "2026-11-02T13:00:00.000Z"]);
  });

  it("fires 15 2 * * * in Australia/Lord_Howe at 02:30 (+11:00) on the day of the 30-minute gap, and 45 1 * * * once on the day 01:45 repeats", async () => {
    const clock = useTestClock("2026-10-03T00:00:00Z");
    const spring = await scheduled("15 2 * * *", "Australia/Lord_Howe");
    clock.set("2026-10-03T15:30:00Z");
    await fireAlarm(spring.id);
    clock.set("2026-10-03T15:45:00Z");
    await fireAlarm(spring.id);
    expect(await scheduledInstants(spring.name)).toEqual(["2026-10-03T15:30:00.000Z"]);

    clock.set("2026-04-04T00:00:00Z");
    const autumn = await scheduled("45 1 * * *", "Australia/Lord_Howe");
    clock.set("2026-04-04T14:45:00Z"); // 01:45 at +11:00
    await fireAlarm(autumn.id);
    clock.set("2026-04-04T15:15:00Z"); // 01:45 again, at +10:30
    await fireAlarm(autumn.id);
    await cronTick();
    expect(await scheduledInstants(autumn.name)).toEqual(["2026-04-04T14:45:00.000Z"]);
  });
});

describe("exactly one run per instant", () => {
  it("starts one run when two safety-net ticks come at once, late, for an alarm that never came; the second is recorded as a duplicate tick", async () => {
    const clock = useTestClock("2026-05-04T09:00:30Z");
    const { name } = await scheduled("0 10 * * *", "UTC");
    // The alarm is lost (a deploy); the Cron Trigger notices two minutes after the instant, twice at once.
    clock.set("2026-05-04T10:02:00Z");
    await Promise.all([cronTick(), cronTick()]);
    await cronTick();
    const runs = await runsOf(name);
    expect(runs.map((r) => r.trigger)).toEqual([{ type: "schedule", scheduled_for: "2026-05-04T10:00:00.000Z", trigger_id: expect.any(String) }]);
    const decisions = await decisionsOf(name);
    expect(decisions.filter((d) => d.decision === "fired")).toHaveLength(1);
    expect(decisions.find((d) => d.decision === "fired")!.reason).toMatch(/2 min late, within the grace/);
    expect(decisions.filter((d) => d.decision === "skipped").map((d) => d.reason)).toEqual([expect.stringMatching(/^duplicate tick at 2026-05-04T10:02:00.000Z: nothing due/)]);
  });

  it("starts one run when the alarm fires twice for the same instant", async () => {
    const clock = useTestClock("2026-05-05T09:59:00Z");
    const { name, id } = await scheduled("0 10 * * *", "UTC");
    clock.set("2026-05-05T10:00:00Z");
    await runInDurableObject(rawTriggerStub(id), async (instance: LifecycleTrigger) => {
      await Promise.all([instance.alarm(), instance.alarm()]);
      await instance.alarm();
    });
    await fireAlarm(id);
    expect(await scheduledInstants(name)).toEqual(["2026-05-05T10:00:00.000Z"]);
  });

  it("starts one run when 20 safety-net ticks and 20 alarms race for one instant", async () => {
    const clock = useTestClock("2026-05-05T10:59:00Z");
    const { name, id } = await scheduled("0 11 * * *", "UTC");
    clock.set("2026-05-05T11:00:00Z");
    await runInDurableObject(rawTriggerStub(id), async (instance: LifecycleTrigger) => {
      await Promise.all([...Array.from({ length: 20 }, () => instance.alarm()), ...Array.from({ length: 20 }, () => instance.sync(id, "sweep"))]);
    });
    expect(await scheduledInstants(name)).toEqual(["2026-05-05T11:00:00.000Z"]);
    const decisions = await decisionsOf(name);
    expect(decisions.filter((d) => d.decision === "fired")).toHaveLength(1);
    expect(decisions.filter((d) => d.reason.startsWith("duplicate tick"))).toHaveLength(20);
  });

  it("records a start that cannot succeed (its agent was deleted) as failed, starts nothing, and keeps to its schedule", async () => {
    const clock = useTestClock("2026-05-08T09:59:00Z");
    const { name, id } = await scheduled("0 10 * * *", "UTC");
    const agent = (await api("GET", `/v1/workflows/${name}`)).body.agents[0].name as string;
    expect((await api("DELETE", `/v1/agents/${agent}`)).status).toBe(200);
    clock.set("2026-05-08T10:00:00Z");
    await fireAlarm(id);
    expect(await runsOf(name)).toEqual([]);
    const [failed] = await decisionsOf(name);
    expect(failed).toMatchObject({ decision: "failed", run_id: null, details: { scheduled_for: "2026-05-08T10:00:00.000Z", error: { code: expect.any(String) } } });
    expect(failed!.reason).toMatch(/^the run could not be started: /);
    expect((await api("GET", `/v1/workflows/${name}/triggers`)).body.items[0].state.next_instant).toBe("2026-05-09T10:00:00.000Z");
  });

  it("keeps its place across a restart between ticks: one run per instant", async () => {
    const { evictDurableObject } = await import("cloudflare:test");
    const clock = useTestClock("2026-05-06T09:59:00Z");
    const { name, id } = await scheduled("*/5 * * * *", "Europe/Paris");
    clock.set("2026-05-06T10:00:00Z");
    await fireAlarm(id);
    await evictDurableObject(rawTriggerStub(id));
    await fireAlarm(id); // the same instant again, from a fresh instance: nothing
    clock.set("2026-05-06T10:05:00Z");
    await evictDurableObject(rawTriggerStub(id));
    await fireAlarm(id);
    await cronTick();
    expect(await scheduledInstants(name)).toEqual(["2026-05-06T10:00:00.000Z", "2026-05-06T10:05:00.000Z"]);
  });

  it("completes, with the same run id, a start that a crash cut short after its ledger row", async () => {
    const clock = useTestClock("2026-05-07T09:59:00Z");
    const { name, id } = await scheduled("0 10 * * *", "UTC");
    clock.set("2026-05-07T10:00:00Z");
    // The ledger row is written, the run not started yet (as if the object died in between).
    const runId = await runInDurableObject(rawTriggerStub(id), async (_instance: LifecycleTrigger, state) => {
      state.storage.sql.exec(
        "INSERT INTO ledger (key, run_id, status, request, attempts, retry_at_ms, created_ms) VALUES (?, ?, 'starting', ?, 0, 0, 0)",
        `schedule:${Date.parse("2026-05-07T10:00:00Z")}`,
        "run_crashcase0000000000000000",
        JSON.stringify({ input: null, trigger: { type: "schedule", scheduled_for: "2026-05-07T10:00:00.000Z", trigger_id: id }, details: { scheduled_for: "2026-05-07T10:00:00.000Z" }, reason: "test" }),
      );
      state.storage.sql.exec("UPDATE trigger_state SET anchor_ms = ?, next_ms = ?", Date.parse("2026-05-07T10:00:00Z"), Date.parse("2026-05-08T10:00:00Z"));
      return "run_crashcase0000000000000000";
    });
    await fireAlarm(id);
    await fireAlarm(id);
    const runs = await runsOf(name);
    expect(runs.map((r) => r.run_id)).toEqual([runId]);
  });
});

describe("catch-up after an hour of downtime, every minute", () => {
  for (const [catchup, expected] of [["latest", 1], ["none", 0], ["all", 60]] as const) {
    it(`starts ${expected} run(s) with catchup: ${catchup}, and records what it passed over`, async () => {
      const clock = useTestClock("2026-06-01T10:00:00Z");
      const { name, id } = await scheduled("* * * * *", "UTC", catchup);
      clock.advance(HOUR + 20_000); // no tick for an hour: instants 10:01 … 11:00 passed
      await fireAlarm(id);
      const instants = await scheduledInstants(name);
      expect(instants).toHaveLength(expected);
      if (catchup === "latest") expect(instants).toEqual(["2026-06-01T11:00:00.000Z"]);
      if (catchup === "all") expect([instants[0], instants.at(-1)]).toEqual(["2026-06-01T10:01:00.000Z", "2026-06-01T11:00:00.000Z"]);
      const skipped = (await decisionsOf(name)).filter((d) => d.decision === "skipped" && d.reason.startsWith("catch-up policy"));
      expect(skipped.map((d) => d.details?.count)).toEqual(catchup === "all" ? [] : [catchup === "none" ? 60 : 59]);
      // Back to normal: the next minute fires once, on time, under every policy.
      clock.set("2026-06-01T11:01:00Z");
      await fireAlarm(id);
      expect(await scheduledInstants(name)).toHaveLength(expected + 1);
    });
  }
});

describe("the schedule follows its workflow", () => {
  it("keeps its place when only catchup changes, re-plans at once for a new cron, and forgets its alarm when the workflow is deleted", async () => {
    const clock = useTestClock("2026-06-02T09:00:00Z");
    const { name, id } = await scheduled("0 10 * * *", "UTC");
    const listed = await api("GET", `/v1/workflows/${name}/triggers`);
    expect(listed.body.items[0].state).toMatchObject({ next_instant: "2026-06-02T10:00:00.000Z", next_instant_local: "2026-06-02T10:00:00+00:00", catchup: "latest" });
    // The same schedule with another catch-up policy is the same trigger.
    expect((await putTriggered(schedule("0 10 * * *", "UTC", "all"), { name, prefix: "sch" })).res.status).toBe(200);
    expect(await triggerIds(name)).toEqual([id]);
    // A new cron is a new schedule: the old one's object forgets itself, the new one plans from now.
    expect((await putTriggered(schedule("30 9 * * *", "UTC"), { name, prefix: "sch" })).res.status).toBe(200);
    const [replanned] = await triggerIds(name);
    expect(replanned).not.toBe(id);
    const relisted = await api("GET", `/v1/workflows/${name}/triggers`);
    expect(relisted.body.items[0].state).toMatchObject({ next_instant: "2026-06-02T09:30:00.000Z" });
    clock.set("2026-06-02T09:30:00Z");
    expect(await fireAlarm(id)).toBe(false); // the old schedule has no alarm left
    await fireAlarm(replanned!);
    expect(await scheduledInstants(name)).toEqual(["2026-06-02T09:30:00.000Z"]);
    expect((await api("DELETE", `/v1/workflows/${name}?force=true`)).status).toBe(200);
    expect(await fireAlarm(replanned!)).toBe(false);
    expect((await api("GET", `/v1/workflows/${name}/triggers`)).status).toBe(404);
  });
});
