// croner's own daylight-saving behaviour at the pinned version, beside Switchyard's. Where they agree
// (fixed-time patterns), these pin croner down; where they differ (interval patterns in a repeated or a
// missing hour), they show that the wrapper keeps the contract. A croner upgrade that changes any of
// this fails here first.
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json";
import { CronSchedule } from "../../src/schedules/cron-schedule";

const nativeRuns = (pattern: string, timezone: string, from: string, n: number) =>
  new Cron(pattern, { timezone, mode: "5-part" }).nextRuns(n, new Date(from)).map((d) => d.toISOString());

function ourRuns(pattern: string, timezone: string, from: string, n: number): string[] {
  const schedule = CronSchedule.parse(pattern, timezone);
  const out: string[] = [];
  let previous = new Date(from);
  for (let i = 0; i < n; i++) {
    previous = schedule.nextInstant(previous)!;
    out.push(previous.toISOString());
  }
  return out;
}

describe("the croner dependency", () => {
  it("is pinned to an exact version after the 9.1.0 daylight-saving bugs", () => {
    expect(pkg.dependencies.croner).toBe("11.0.1");
  });

  it("no longer moves a UTC schedule by the host's daylight saving (croner issue #284, broken in 9.1.0)", () => {
    // The reference: hourly in UTC from 2025-10-05T02:00Z is 03:00Z (a host in Sydney got 04:00Z).
    expect(nativeRuns("0 * * * *", "UTC", "2025-10-05T02:00:00Z", 2)).toEqual(["2025-10-05T03:00:00.000Z", "2025-10-05T04:00:00.000Z"]);
    expect(ourRuns("0 * * * *", "UTC", "2025-10-05T02:00:00Z", 2)).toEqual(["2025-10-05T03:00:00.000Z", "2025-10-05T04:00:00.000Z"]);
  });

  it("never answers a next run in the past through fall-back in a zone (croner issue #286, broken in 9.1.0)", () => {
    // The issue: every minute in America/Los_Angeles on 2025-11-02 returned past times, a busy loop.
    const job = new Cron("* * * * *", { timezone: "America/Los_Angeles", mode: "5-part" });
    let previous = new Date("2025-11-02T07:30:00Z"); // 00:30 PDT
    for (let i = 0; i < 240; i++) {
      const next = job.nextRun(previous)!;
      expect(next.getTime()).toBeGreaterThan(previous.getTime());
      previous = next;
    }
    expect(previous.toISOString() > "2025-11-02T10:00:00.000Z").toBe(true);
  });
});

describe("croner's rules and Switchyard's, side by side (America/New_York, 2026)", () => {
  it("agree on a fixed time in the spring gap: 30 2 * * * fires at 03:00 EDT", () => {
    const expected = ["2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"];
    expect(nativeRuns("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 3)).toEqual(expected);
    expect(ourRuns("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 3)).toEqual(expected);
  });

  it("agree on a fixed time in the autumn overlap: 30 1 * * * fires once, at the first 01:30", () => {
    const expected = ["2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"];
    expect(nativeRuns("30 1 * * *", "America/New_York", "2026-10-31T00:00:00Z", 3)).toEqual(expected);
    expect(ourRuns("30 1 * * *", "America/New_York", "2026-10-31T00:00:00Z", 3)).toEqual(expected);
  });

  it("differ on an hourly pattern in the overlap: croner fires 01:00 EST too, Switchyard once", () => {
    const from = "2026-11-01T04:30:00Z";
    expect(nativeRuns("0 * * * *", "America/New_York", from, 3)).toEqual(["2026-11-01T05:00:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T07:00:00.000Z"]);
    expect(ourRuns("0 * * * *", "America/New_York", from, 3)).toEqual(["2026-11-01T05:00:00.000Z", "2026-11-01T07:00:00.000Z", "2026-11-01T08:00:00.000Z"]);
  });

  it("differ on a list pattern in the gap: croner skips 02:30 on the spring day, Switchyard fires it at 03:00 EDT", () => {
    const from = "2026-03-07T20:00:00Z";
    expect(nativeRuns("30 2,14 * * *", "America/New_York", from, 2)).toEqual(["2026-03-08T18:30:00.000Z", "2026-03-09T06:30:00.000Z"]);
    expect(ourRuns("30 2,14 * * *", "America/New_York", from, 2)).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-08T18:30:00.000Z"]);
  });

  it("differ on a stepped pattern inside the gap: croner has no run that day, Switchyard one at 03:00 EDT", () => {
    const from = "2026-03-07T20:00:00Z";
    expect(nativeRuns("*/20 2 * * *", "America/New_York", from, 1)).toEqual(["2026-03-09T06:00:00.000Z"]);
    expect(ourRuns("*/20 2 * * *", "America/New_York", from, 2)).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-09T06:00:00.000Z"]);
  });
});
