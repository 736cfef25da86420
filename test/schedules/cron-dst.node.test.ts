import { describe, expect, it } from "vitest";
import { CronSchedule } from "../../src/schedules/cron-schedule";
import { iso, local } from "./zone-reference";

/** `count` instants, each computed from the previous scheduled one, as the scheduler does. */
function walk(schedule: CronSchedule, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let previous = from;
  for (let i = 0; i < count; i++) {
    const next = schedule.nextInstant(previous);
    if (next === null) break;
    out.push(next);
    previous = next;
  }
  return out;
}

const isoList = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("a schedule in America/New_York across daylight saving", () => {
  it("fires 30 2 * * * once on the spring-forward day, at 03:00 EDT (07:00Z), and normally around it", () => {
    const schedule = CronSchedule.parse("30 2 * * *", "America/New_York");
    expect(isoList(walk(schedule, local("2026-03-06T12:00", "-05:00"), 4))).toEqual(
      isoList([
        local("2026-03-07T02:30", "-05:00"),
        local("2026-03-08T03:00", "-04:00"),
        local("2026-03-09T02:30", "-04:00"),
        local("2026-03-10T02:30", "-04:00"),
      ]),
    );
    expect(iso(local("2026-03-08T03:00", "-04:00"))).toBe("2026-03-08T07:00:00.000Z");
  });

  it("fires 30 1 * * * once on the fall-back day, at the first 01:30 (EDT, 05:30Z)", () => {
    const schedule = CronSchedule.parse("30 1 * * *", "America/New_York");
    const instants = walk(schedule, local("2026-10-30T12:00", "-04:00"), 4);
    expect(isoList(instants)).toEqual(
      isoList([
        local("2026-10-31T01:30", "-04:00"),
        local("2026-11-01T01:30", "-04:00"),
        local("2026-11-02T01:30", "-05:00"),
        local("2026-11-03T01:30", "-05:00"),
      ]),
    );
    expect(iso(instants[1])).toBe("2026-11-01T05:30:00.000Z");
    // Asked from inside the repeated hour's second pass, the next one is the next day's.
    expect(iso(schedule.nextInstant(local("2026-11-01T01:10", "-05:00")))).toBe(iso(local("2026-11-02T01:30", "-05:00")));
  });

  it("fires the seed's 0 8 * * MON at 12:00Z in summer and 13:00Z in winter", () => {
    const schedule = CronSchedule.parse("0 8 * * MON", "America/New_York");
    expect(isoList(walk(schedule, new Date("2026-02-28T00:00:00Z"), 3))).toEqual([
      "2026-03-02T13:00:00.000Z",
      "2026-03-09T12:00:00.000Z",
      "2026-03-16T12:00:00.000Z",
    ]);
    expect(isoList(walk(schedule, new Date("2026-10-20T00:00:00Z"), 3))).toEqual([
      "2026-10-26T12:00:00.000Z",
      "2026-11-02T13:00:00.000Z",
      "2026-11-09T13:00:00.000Z",
    ]);
    expect(iso(schedule.nextInstant(new Date("2026-07-01T00:00:00Z")))).toBe("2026-07-06T12:00:00.000Z");
    expect(iso(schedule.nextInstant(new Date("2027-01-01T00:00:00Z")))).toBe("2027-01-04T13:00:00.000Z");
  });

  it("runs an every-minute schedule through spring-forward with no duplicate and no gap in UTC", () => {
    const schedule = CronSchedule.parse("* * * * *", "America/New_York");
    const instants = walk(schedule, local("2026-03-08T01:00", "-05:00"), 120);
    const ms = instants.map((d) => d.getTime());
    for (let i = 1; i < ms.length; i++) expect(ms[i]! - ms[i - 1]!).toBe(60_000);
    const locals = instants.map((d) => d.toLocaleTimeString("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit" }));
    expect(new Set(locals).size).toBe(locals.length);
    // 01:59 EST is followed by 03:00 EDT: the hour that does not exist is the only gap, on the wall clock.
    const at = locals.indexOf("01:59");
    expect(locals.slice(at, at + 2)).toEqual(["01:59", "03:00"]);
    expect(locals.some((t) => t.startsWith("02:"))).toBe(false);
  });

  it("runs an every-minute schedule through fall-back once per local minute: the repeated hour's second pass is silent", () => {
    const schedule = CronSchedule.parse("* * * * *", "America/New_York");
    const instants = walk(schedule, local("2026-11-01T00:00", "-04:00"), 180);
    const locals = instants.map((d) => d.toLocaleTimeString("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit" }));
    expect(new Set(locals).size).toBe(locals.length);
    // Local minutes run on without a gap: 00:01 … 01:59 (EDT), then 02:00 (EST) …
    for (let i = 1; i < locals.length; i++) {
      const [h0, m0] = locals[i - 1]!.split(":").map(Number);
      const [h1, m1] = locals[i]!.split(":").map(Number);
      expect(h1! * 60 + m1! - (h0! * 60 + m0!)).toBe(1);
    }
    const gaps = instants.slice(1).map((d, i) => d.getTime() - instants[i]!.getTime());
    expect(gaps.filter((g) => g !== 60_000)).toEqual([61 * 60_000]);
    expect(isoList(instants).includes("2026-11-01T05:59:00.000Z")).toBe(true);
    expect(isoList(instants).some((t) => t >= "2026-11-01T06:00:00.000Z" && t < "2026-11-01T07:00:00.000Z")).toBe(false);
  });

  it("fires an hourly schedule once for the repeated 01:00: distinct instants, two hours apart around it", () => {
    const schedule = CronSchedule.parse("0 * * * *", "America/New_York");
    expect(isoList(walk(schedule, local("2026-10-31T23:30", "-04:00"), 5))).toEqual([
      "2026-11-01T04:00:00.000Z", // 00:00 EDT
      "2026-11-01T05:00:00.000Z", // 01:00 EDT, the first 01:00
      "2026-11-01T07:00:00.000Z", // 02:00 EST; 01:00 EST (06:00Z) does not fire again
      "2026-11-01T08:00:00.000Z",
      "2026-11-01T09:00:00.000Z",
    ]);
  });

  it("fires an hourly schedule across spring-forward with 02:00 landing on 03:00 EDT, once", () => {
    const schedule = CronSchedule.parse("0 * * * *", "America/New_York");
    expect(isoList(walk(schedule, local("2026-03-08T00:30", "-05:00"), 4))).toEqual([
      "2026-03-08T06:00:00.000Z", // 01:00 EST
      "2026-03-08T07:00:00.000Z", // 02:00 does not exist; 03:00 EDT is this same instant
      "2026-03-08T08:00:00.000Z", // 04:00 EDT
      "2026-03-08T09:00:00.000Z",
    ]);
  });

  it("fires every time in a gap once, at its end: */15 2 * * * is one run at 03:00 EDT on the spring day", () => {
    const schedule = CronSchedule.parse("*/15 2 * * *", "America/New_York");
    expect(isoList(walk(schedule, local("2026-03-07T12:00", "-05:00"), 3))).toEqual(
      isoList([local("2026-03-08T03:00", "-04:00"), local("2026-03-09T02:00", "-04:00"), local("2026-03-09T02:15", "-04:00")]),
    );
  });

  it("fires a list pattern (30 2,14 * * *) after the gap like a single time", () => {
    const schedule = CronSchedule.parse("30 2,14 * * *", "America/New_York");
    expect(isoList(walk(schedule, local("2026-03-07T12:00", "-05:00"), 3))).toEqual(
      isoList([local("2026-03-07T14:30", "-05:00"), local("2026-03-08T03:00", "-04:00"), local("2026-03-08T14:30", "-04:00")]),
    );
  });
});

describe("a schedule in Australia/Lord_Howe (a 30-minute shift)", () => {
  it("fires 15 2 * * * at 02:30 (+11:00) on the day 02:00–02:29 does not exist", () => {
    const schedule = CronSchedule.parse("15 2 * * *", "Australia/Lord_Howe");
    expect(isoList(walk(schedule, local("2026-10-02T12:00", "+10:30"), 3))).toEqual(
      isoList([local("2026-10-03T02:15", "+10:30"), local("2026-10-04T02:30", "+11:00"), local("2026-10-05T02:15", "+11:00")]),
    );
    expect(iso(local("2026-10-04T02:30", "+11:00"))).toBe("2026-10-03T15:30:00.000Z");
  });

  it("fires 45 1 * * * once on the day 01:30–01:59 occurs twice, at the first (+11:00)", () => {
    const schedule = CronSchedule.parse("45 1 * * *", "Australia/Lord_Howe");
    expect(isoList(walk(schedule, local("2026-04-03T12:00", "+11:00"), 3))).toEqual(
      isoList([local("2026-04-04T01:45", "+11:00"), local("2026-04-05T01:45", "+11:00"), local("2026-04-06T01:45", "+10:30")]),
    );
  });

  it("runs */15 * * * * through both changes, once per instant", () => {
    const schedule = CronSchedule.parse("*/15 * * * *", "Australia/Lord_Howe");
    expect(isoList(walk(schedule, local("2026-04-05T01:00", "+11:00"), 5))).toEqual(
      isoList([
        local("2026-04-05T01:15", "+11:00"),
        local("2026-04-05T01:30", "+11:00"),
        local("2026-04-05T01:45", "+11:00"),
        // 01:30 and 01:45 again at +10:30 (15:00Z, 15:15Z) are the same local times: they do not fire.
        local("2026-04-05T02:00", "+10:30"),
        local("2026-04-05T02:15", "+10:30"),
      ]),
    );
    expect(isoList(walk(schedule, local("2026-10-04T01:30", "+10:30"), 4))).toEqual(
      isoList([
        local("2026-10-04T01:45", "+10:30"),
        local("2026-10-04T02:30", "+11:00"), // 02:00 and 02:15 do not exist: one run, at the gap's end (which is 02:30 too)
        local("2026-10-04T02:45", "+11:00"),
        local("2026-10-04T03:00", "+11:00"),
      ]),
    );
  });
});

describe("a schedule in the southern hemisphere (Australia/Sydney)", () => {
  it("fires 0 9 * * * at 22:00Z the day before in January (AEDT) and at 23:00Z in July (AEST)", () => {
    const schedule = CronSchedule.parse("0 9 * * *", "Australia/Sydney");
    expect(iso(schedule.nextInstant(new Date("2026-01-10T00:00:00Z")))).toBe("2026-01-10T22:00:00.000Z");
    expect(iso(schedule.nextInstant(new Date("2026-07-10T00:00:00Z")))).toBe("2026-07-10T23:00:00.000Z");
  });

  it("fires 30 2 * * * once when the clocks go back in April and at 03:00 AEDT when they go forward in October", () => {
    const schedule = CronSchedule.parse("30 2 * * *", "Australia/Sydney");
    expect(isoList(walk(schedule, local("2026-04-04T12:00", "+11:00"), 2))).toEqual(
      isoList([local("2026-04-05T02:30", "+11:00"), local("2026-04-06T02:30", "+10:00")]),
    );
    expect(isoList(walk(schedule, local("2026-10-03T12:00", "+10:00"), 2))).toEqual(
      isoList([local("2026-10-04T03:00", "+11:00"), local("2026-10-05T02:30", "+11:00")]),
    );
  });
});

describe("latestInstant", () => {
  it("is the latest instant at or before a time, the inverse of nextInstant, across both changes", () => {
    const schedule = CronSchedule.parse("30 1 * * *", "America/New_York");
    expect(iso(schedule.latestInstant(local("2026-11-01T01:30", "-04:00")))).toBe("2026-11-01T05:30:00.000Z");
    // During the repeated hour's second pass, the latest is still the first 01:30.
    expect(iso(schedule.latestInstant(local("2026-11-01T01:45", "-05:00")))).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(schedule.latestInstant(local("2026-11-01T01:29", "-04:00")))).toBe(iso(local("2026-10-31T01:30", "-04:00")));
    const spring = CronSchedule.parse("30 2 * * *", "America/New_York");
    expect(iso(spring.latestInstant(new Date("2026-03-08T07:00:00Z")))).toBe("2026-03-08T07:00:00.000Z");
    expect(iso(spring.latestInstant(new Date("2026-03-08T06:59:59Z")))).toBe(iso(local("2026-03-07T02:30", "-05:00")));
  });
});
