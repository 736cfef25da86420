import { describe, expect, it } from "vitest";
import { CronSchedule, ScheduleDefinitionError } from "../../src/schedules/cron-schedule";
import { MAX_PREVIEW_COUNT } from "../../src/schedules/schedule-preview";
import { local } from "./zone-reference";

function definitionError(cron: string, timezone: string): ScheduleDefinitionError {
  try {
    CronSchedule.parse(cron, timezone);
  } catch (error) {
    if (error instanceof ScheduleDefinitionError) return error;
    throw error;
  }
  throw new Error(`'${cron}' in ${timezone} was accepted`);
}

describe("parsing a schedule", () => {
  it("accepts five-field patterns with names, lists, ranges, steps and croner's L, W and #", () => {
    for (const cron of ["0 8 * * MON", "*/15 9-17 * * mon-fri", "0 0 1,15 * *", "0 12 L * *", "0 9 15W * *", "0 9 * * 5#2", "0 0 * JAN,JUL 0", "0 0 * * 7", "30 2 ? * ?"]) {
      expect(CronSchedule.parse(cron, "America/New_York").cron).toBe(cron);
    }
    expect(CronSchedule.parse("  0  8 * *   MON ", "UTC").cron).toBe("0 8 * * MON");
  });

  it("names the field at fault and what it takes", () => {
    const cases: [string, string][] = [
      ["60 * * * *", "the minute field '60' is not valid; it takes 0-59"],
      ["* 24 * * *", "the hour field '24' is not valid; it takes 0-23"],
      ["* * 32 * *", "the day-of-month field '32' is not valid; it takes 1-31"],
      ["* * 0 * *", "the day-of-month field '0' is not valid"],
      ["* * * 13 *", "the month field '13' is not valid; it takes 1-12 or JAN-DEC"],
      ["* * * * 8", "the day-of-week field '8' is not valid; it takes 0-7"],
      ["* * * * FUNDAY", "the day-of-week field 'FUNDAY' is not valid"],
      ["*/0 * * * *", "the minute field '*/0' is not valid"],
      ["5-1 * * * *", "the minute field '5-1' is not valid"],
    ];
    for (const [cron, message] of cases) {
      const error = definitionError(cron, "UTC");
      expect(error.field, cron).toBe("cron");
      expect(error.message, cron).toContain(message);
    }
  });

  it("refuses anything but five fields, and nicknames", () => {
    for (const cron of ["* * * *", "0 0 * * * *", "0 0 0 * * * 2026", "@daily", "@weekly", "", "   "]) {
      const error = definitionError(cron, "UTC");
      expect(error.field).toBe("cron");
      expect(error.message).toMatch(/must have five fields, minute hour day-of-month month day-of-week/);
    }
  });

  it("refuses a pattern that can never fire", () => {
    for (const cron of ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 JUN *"]) {
      expect(definitionError(cron, "UTC").message).toMatch(/never fires/);
    }
    // 29 February fires in leap years only: that is a schedule.
    expect(CronSchedule.parse("0 0 29 2 *", "UTC").nextInstant(new Date("2026-06-01T00:00:00Z"))?.toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });

  it("refuses an unknown zone and a UTC offset, naming the timezone field", () => {
    for (const [zone, message] of [
      ["Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known IANA time zone"],
      ["America/Nowhere", "is not a known IANA time zone"],
      ["+05:00", "is not an IANA time zone name"],
      ["-0400", "is not an IANA time zone name"],
      ["", "is not an IANA time zone name"],
      ["America/../Europe/Paris", "is not an IANA time zone name"],
    ] as const) {
      const error = definitionError("0 8 * * *", zone);
      expect(error.field, zone).toBe("timezone");
      expect(error.message, zone).toContain(message);
    }
  });

  it("keeps the zone as written, fixing only its letter case", () => {
    expect(CronSchedule.parse("0 8 * * *", "america/new_york").timezone).toBe("America/New_York");
    expect(CronSchedule.parse("0 8 * * *", "Asia/Kolkata").timezone).toBe("Asia/Kolkata");
    expect(CronSchedule.parse("0 8 * * *", "UTC").timezone).toBe("UTC");
    expect(CronSchedule.parse("0 8 * * *", "Etc/GMT+5").nextInstant(new Date("2026-01-01T00:00:00Z"))?.toISOString()).toBe("2026-01-01T13:00:00.000Z");
  });

  it("uses either day field when both are restricted, as Vixie cron does", () => {
    // 1 March 2026 is a Sunday; the next Monday is 2 March, the next 1st is 1 April.
    const schedule = CronSchedule.parse("0 12 1 * MON", "UTC");
    let at = new Date("2026-02-28T00:00:00Z");
    const out: string[] = [];
    for (let i = 0; i < 3; i++) {
      at = schedule.nextInstant(at)!;
      out.push(at.toISOString().slice(0, 10));
    }
    expect(out).toEqual(["2026-03-01", "2026-03-02", "2026-03-09"]);
  });
});

describe("nextInstant", () => {
  it("is computed from the previous scheduled instant: asking again from the same instant gives the same answer", () => {
    const schedule = CronSchedule.parse("*/5 * * * *", "Europe/Paris");
    const previous = new Date("2026-06-01T10:05:00.000Z");
    const answers = Array.from({ length: 20 }, () => schedule.nextInstant(previous)?.toISOString());
    expect(new Set(answers)).toEqual(new Set(["2026-06-01T10:10:00.000Z"]));
    // Strictly after: an instant is never its own successor, and a time between instants finds the next one.
    expect(schedule.nextInstant(new Date("2026-06-01T10:09:59.999Z"))?.toISOString()).toBe("2026-06-01T10:10:00.000Z");
    expect(schedule.nextInstant(new Date("2026-06-01T10:10:00.000Z"))?.toISOString()).toBe("2026-06-01T10:15:00.000Z");
  });
});

describe("preview", () => {
  it("lists instants in UTC and local time, with the seed's notes where daylight saving moved one", () => {
    const spring = CronSchedule.parse("30 2 * * *", "America/New_York").preview(new Date("2026-03-07T00:00:00Z"), 3);
    expect(spring).toEqual([
      { utc: "2026-03-07T07:30:00.000Z", local: "2026-03-07T02:30:00-05:00", offset: "-05:00", note: null },
      {
        utc: "2026-03-08T07:00:00.000Z",
        local: "2026-03-08T03:00:00-04:00",
        offset: "-04:00",
        note: "02:30 does not exist on 2026-03-08 in America/New_York (clocks go forward); fires at 03:00 EDT",
      },
      { utc: "2026-03-09T06:30:00.000Z", local: "2026-03-09T02:30:00-04:00", offset: "-04:00", note: null },
    ]);
    const autumn = CronSchedule.parse("30 1 * * *", "America/New_York").preview(new Date("2026-10-31T00:00:00Z"), 3);
    expect(autumn.map((e) => [e.utc, e.local, e.note])).toEqual([
      ["2026-10-31T05:30:00.000Z", "2026-10-31T01:30:00-04:00", null],
      ["2026-11-01T05:30:00.000Z", "2026-11-01T01:30:00-04:00", "01:30 occurs twice on 2026-11-01; fires once, at the first (EDT)"],
      ["2026-11-02T06:30:00.000Z", "2026-11-02T01:30:00-05:00", null],
    ]);
  });

  it("says how many scheduled times a gap folds into one run", () => {
    const entries = CronSchedule.parse("* * * * *", "America/New_York").preview(local("2026-03-08T01:59", "-05:00"), 3);
    expect(entries.map((e) => [e.local, e.note])).toEqual([
      ["2026-03-08T01:59:00-05:00", null],
      [
        "2026-03-08T03:00:00-04:00",
        "02:00 to 02:59 (60 scheduled times) do not exist on 2026-03-08 in America/New_York (clocks go forward); they fire once, at 03:00 EDT",
      ],
      ["2026-03-08T03:01:00-04:00", null],
    ]);
  });

  it("writes offsets of half-hour zones and names them by GMT offset where no abbreviation exists", () => {
    const entries = CronSchedule.parse("15 2 * * *", "Australia/Lord_Howe").preview(new Date("2026-10-03T00:00:00Z"), 2);
    expect(entries).toEqual([
      {
        utc: "2026-10-03T15:30:00.000Z",
        local: "2026-10-04T02:30:00+11:00",
        offset: "+11:00",
        note: "02:15 does not exist on 2026-10-04 in Australia/Lord_Howe (clocks go forward); fires at 02:30 GMT+11",
      },
      { utc: "2026-10-04T15:15:00.000Z", local: "2026-10-05T02:15:00+11:00", offset: "+11:00", note: null },
    ]);
    expect(CronSchedule.parse("0 12 * * *", "Australia/Lord_Howe").preview(new Date("2026-07-01T00:00:00Z"), 1)[0]?.offset).toBe("+10:30");
  });

  it("includes an instant equal to `from`, and answers exactly `count` entries", () => {
    const schedule = CronSchedule.parse("0 * * * *", "UTC");
    const entries = schedule.preview(new Date("2026-05-01T10:00:00Z"), MAX_PREVIEW_COUNT);
    expect(entries).toHaveLength(MAX_PREVIEW_COUNT);
    expect(entries[0]?.utc).toBe("2026-05-01T10:00:00.000Z");
    expect(entries[99]?.utc).toBe("2026-05-05T13:00:00.000Z");
  });

  it("refuses a count outside 1..100", () => {
    const schedule = CronSchedule.parse("0 * * * *", "UTC");
    for (const count of [0, -1, 101, 1.5, Number.NaN]) {
      expect(() => schedule.preview(new Date(), count)).toThrow(RangeError);
    }
  });
});
