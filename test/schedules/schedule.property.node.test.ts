// The schedule against a brute-force reference of the contract's rule: step through every UTC minute,
// read the zone's clock, and fire at a minute when its reading matches and is shown for the first time,
// or when the clock has just jumped over a matching reading. Only the field matching comes from croner
// (at a fixed offset); the clock readings come from Intl directly, minute by minute.
import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronSchedule } from "../../src/schedules/cron-schedule";
import { TRANSITIONS_2026 } from "./zone-reference";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const PATTERNS = ["* * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "30 2 * * *", "30 1 * * *", "15,45 1-3 * * *", "*/7 2 * * *", "0 0 * * *", "45 2 * * SUN", "59 23 * * *"];

function clockReader(zone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  return (instant) => {
    const p = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!);
  };
}

/** Every firing in (from, to], both whole minutes. */
function reference(pattern: string, zone: string, from: number, to: number): number[] {
  const matcher = new Cron(pattern, { utcOffset: 0, mode: "5-part" });
  const matches = (wall: number) => matcher.match(new Date(wall));
  const clock = clockReader(zone);
  const seen = new Set<number>();
  for (let m = from - 4 * HOUR; m <= from; m += MINUTE) seen.add(clock(m));
  const out: number[] = [];
  for (let m = from + MINUTE; m <= to; m += MINUTE) {
    const reading = clock(m);
    let fires = !seen.has(reading) && matches(reading);
    for (let skipped = clock(m - MINUTE) + MINUTE; skipped < reading; skipped += MINUTE) fires ||= matches(skipped);
    seen.add(reading);
    if (fires) out.push(m);
  }
  return out;
}

const around = fc
  .record({
    zone: fc.constantFrom(...Object.keys(TRANSITIONS_2026)),
    which: fc.constantFrom(0, 1),
    startMinutes: fc.integer({ min: -200, max: 60 }),
    pattern: fc.constantFrom(...PATTERNS),
  })
  .map(({ zone, which, startMinutes, pattern }) => {
    const transition = Date.parse(TRANSITIONS_2026[zone]![which]!);
    return { zone, pattern, from: transition + startMinutes * MINUTE, to: transition + 4 * HOUR };
  });

describe("the schedule against the brute-force reference, around every 2026 transition of five zones", () => {
  it("nextInstant, step by step from the previous instant, yields exactly the reference's instants", () => {
    fc.assert(
      fc.property(around, ({ zone, pattern, from, to }) => {
        const schedule = CronSchedule.parse(pattern, zone);
        const walked: number[] = [];
        for (let at = schedule.nextInstant(new Date(from)); at !== null && at.getTime() <= to; at = schedule.nextInstant(at)) walked.push(at.getTime());
        expect(walked.map((ms) => new Date(ms).toISOString())).toEqual(reference(pattern, zone, from, to).map((ms) => new Date(ms).toISOString()));
      }),
      { numRuns: 60 },
    );
  });

  it("latestInstant is the reference's latest instant at or before any moment", () => {
    fc.assert(
      fc.property(around, fc.integer({ min: 0, max: 4 * 60 * 60 - 1 }), ({ zone, pattern, from }, seconds) => {
        const schedule = CronSchedule.parse(pattern, zone);
        const moment = from + seconds * 1000;
        const windowStart = from - 26 * HOUR;
        const expected = reference(pattern, zone, windowStart, moment - (moment % MINUTE)).at(-1);
        const latest = schedule.latestInstant(new Date(moment));
        if (expected !== undefined) expect(latest?.getTime()).toBe(expected);
        else {
          // A weekly pattern's latest instant lies before the reference's window: it must at least be
          // there, and be followed by nothing up to the moment.
          expect(latest!.getTime()).toBeLessThanOrEqual(windowStart);
          expect(schedule.nextInstant(latest!)!.getTime()).toBeGreaterThan(moment);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("a catch-up with `all` fires the reference's instants between the previous instant and now", () => {
    fc.assert(
      fc.property(around, ({ zone, pattern, from, to }) => {
        const schedule = CronSchedule.parse(pattern, zone);
        const expected = reference(pattern, zone, from, to).slice(-100);
        const plan = schedule.missedInstants(new Date(from), new Date(to), "all");
        expect(plan.fire.map((d) => d.getTime())).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });
});
