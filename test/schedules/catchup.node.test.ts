import { describe, expect, it } from "vitest";
import { DEFAULT_GRACE_MS, MAX_CATCHUP_RUNS, MAX_COUNTED_SKIPS } from "../../src/schedules/catchup";
import { CronSchedule } from "../../src/schedules/cron-schedule";
import { iso } from "./zone-reference";

const hourly = CronSchedule.parse("0 * * * *", "America/New_York");
const at = (text: string) => new Date(text);
const isoList = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("missedInstants after downtime", () => {
  // Last fired at 12:00Z; the scheduler comes back at 17:10Z: 13:00, 14:00, 15:00, 16:00 and 17:00 passed.
  const lastFired = at("2026-06-01T12:00:00Z");
  const now = at("2026-06-01T17:10:00Z");

  it("latest (the default) fires once, for the latest missed instant, and reports the others skipped", () => {
    const plan = hourly.missedInstants(lastFired, now, "latest");
    expect(isoList(plan.fire)).toEqual(["2026-06-01T17:00:00.000Z"]);
    expect(plan.skipped).toEqual({ first: at("2026-06-01T13:00:00Z"), last: at("2026-06-01T16:00:00Z"), count: 4 });
    expect(iso(plan.through)).toBe("2026-06-01T17:00:00.000Z");
    expect(iso(plan.next)).toBe("2026-06-01T18:00:00.000Z");
  });

  it("none fires nothing and plans the next future instant", () => {
    const plan = hourly.missedInstants(lastFired, now, "none");
    expect(plan.fire).toEqual([]);
    expect(plan.skipped).toEqual({ first: at("2026-06-01T13:00:00Z"), last: at("2026-06-01T17:00:00Z"), count: 5 });
    expect(iso(plan.through)).toBe("2026-06-01T17:00:00.000Z");
    expect(iso(plan.next)).toBe("2026-06-01T18:00:00.000Z");
  });

  it("all fires each missed instant, oldest first", () => {
    const plan = hourly.missedInstants(lastFired, now, "all");
    expect(isoList(plan.fire)).toEqual(["13", "14", "15", "16", "17"].map((h) => `2026-06-01T${h}:00:00.000Z`));
    expect(plan.skipped).toBeNull();
  });

  it("all fires at most 100, the latest ones, and reports the older ones skipped", () => {
    const everyMinute = CronSchedule.parse("* * * * *", "Europe/Berlin");
    const plan = everyMinute.missedInstants(at("2026-06-01T00:00:00Z"), at("2026-06-01T03:10:30Z"), "all");
    expect(plan.fire).toHaveLength(MAX_CATCHUP_RUNS);
    expect(iso(plan.fire[0])).toBe("2026-06-01T01:31:00.000Z");
    expect(iso(plan.fire[99])).toBe("2026-06-01T03:10:00.000Z");
    for (let i = 1; i < plan.fire.length; i++) expect(plan.fire[i]!.getTime() - plan.fire[i - 1]!.getTime()).toBe(60_000);
    expect(plan.skipped).toEqual({ first: at("2026-06-01T00:01:00Z"), last: at("2026-06-01T01:30:00Z"), count: 90 });
  });

  it("counts skipped instants up to a bound, and says 'unknown' past it rather than spend the CPU", () => {
    const everyMinute = CronSchedule.parse("* * * * *", "UTC");
    const plan = everyMinute.missedInstants(at("2026-06-01T00:00:00Z"), at("2026-06-03T00:00:00Z"), "latest");
    expect(plan.skipped).toEqual({ first: at("2026-06-01T00:01:00Z"), last: at("2026-06-02T23:59:00Z"), count: null });
    const start = Date.parse("2026-06-01T00:00:00Z");
    // The latest fires; the MAX_COUNTED_SKIPS before it are counted, one more is not.
    const atBound = everyMinute.missedInstants(new Date(start), new Date(start + (MAX_COUNTED_SKIPS + 1) * 60_000), "latest");
    expect(atBound.skipped?.count).toBe(MAX_COUNTED_SKIPS);
    const pastBound = everyMinute.missedInstants(new Date(start), new Date(start + (MAX_COUNTED_SKIPS + 2) * 60_000), "latest");
    expect(pastBound.skipped?.count).toBeNull();
  });

  it("crosses daylight saving with one run per instant (30 1 * * * over the fall-back day)", () => {
    const schedule = CronSchedule.parse("30 1 * * *", "America/New_York");
    const plan = schedule.missedInstants(at("2026-10-31T05:30:00Z"), at("2026-11-02T12:00:00Z"), "all");
    expect(isoList(plan.fire)).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });
});

describe("missedInstants on an ordinary tick", () => {
  it("fires an instant whose tick comes late but within the grace, under every policy", () => {
    for (const catchup of ["latest", "none", "all"] as const) {
      const plan = hourly.missedInstants(at("2026-06-01T12:00:00Z"), at("2026-06-01T13:04:59Z"), catchup);
      expect(isoList(plan.fire), catchup).toEqual(["2026-06-01T13:00:00.000Z"]);
      expect(plan.skipped, catchup).toBeNull();
    }
    expect(DEFAULT_GRACE_MS).toBe(5 * 60_000);
    // Past the grace, `none` treats it as missed.
    expect(hourly.missedInstants(at("2026-06-01T12:00:00Z"), at("2026-06-01T13:05:01Z"), "none").fire).toEqual([]);
    expect(hourly.missedInstants(at("2026-06-01T12:00:00Z"), at("2026-06-01T13:05:01Z"), "none", { graceMs: 10 * 60_000 }).fire).toHaveLength(1);
  });

  it("fires nothing before the next instant, and plans it", () => {
    const plan = hourly.missedInstants(at("2026-06-01T12:00:00Z"), at("2026-06-01T12:59:59.999Z"), "latest");
    expect(plan).toEqual({ fire: [], skipped: null, through: null, next: at("2026-06-01T13:00:00Z") });
  });

  it("fires an instant exactly once when the tick comes twice or late: the answer depends on the previous instant, not on now", () => {
    const lastFired = at("2026-06-01T12:00:00Z");
    const ticks = ["2026-06-01T13:00:00Z", "2026-06-01T13:00:00.500Z", "2026-06-01T13:00:59Z", "2026-06-01T13:02:00Z"];
    const fired = new Set<string>();
    let previous = lastFired;
    for (const tick of ticks) {
      const plan = hourly.missedInstants(previous, at(tick), "latest");
      for (const d of plan.fire) {
        expect(fired.has(d.toISOString())).toBe(false);
        fired.add(d.toISOString());
      }
      if (plan.through) previous = plan.through;
    }
    expect([...fired]).toEqual(["2026-06-01T13:00:00.000Z"]);
  });
});
