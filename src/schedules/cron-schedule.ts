import { type Catchup, type CatchupPlan, planCatchup } from "./catchup";
import { CronPattern, CronSyntaxError } from "./cron-pattern";
import { type PreviewEntry, previewSchedule } from "./schedule-preview";
import { InvalidTimeZoneError, type Resolution, TimeZone, type WallTime, wallTime } from "./time-zone";

/** A schedule's cron or zone is not valid; `field` names which, for the 400's details. */
export class ScheduleDefinitionError extends Error {
  constructor(
    readonly field: "cron" | "timezone",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ScheduleDefinitionError";
  }
}

/** One firing of a schedule: its instant, and the local wall time it was found at. */
export interface Occurrence {
  /** Milliseconds since the epoch. */
  instant: number;
  /** The earliest matching wall time that lands on this instant (in a gap, a time that did not exist). */
  wall: WallTime;
  resolution: Resolution;
}

/**
 * A walk that steps past more matches than this without finding the next instant means a bug, not a
 * schedule: the most a walk can skip is the second pass of a repeated hour (60 steps every minute).
 */
const MAX_STEPS = 10_000;
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

/**
 * A workflow's `{type: schedule, cron, timezone}`: the instants at which it fires.
 *
 * Cloudflare Cron Triggers run in UTC only, and cron libraries disagree around daylight saving (some
 * skip a time in the spring gap, some run a time of the autumn overlap twice). Switchyard's schedules
 * fire exactly once per instant, in any zone, by one rule applied to every pattern alike:
 * - the schedule is the set of instants of its matching local wall times (see `TimeZone.resolve`):
 *   a local time that does not exist that day fires once, at the first valid time after the gap
 *   (`30 2 * * *` in New York on 2026-03-08 fires at 03:00 EDT), and a local time that occurs twice
 *   fires once, at its first occurrence (`30 1 * * *` on 2026-11-01 fires at 01:30 EDT, not at 01:30 EST);
 * - several wall times that land on the same instant are one firing (on the spring day, every minute
 *   from 02:00 to 02:59, and 03:00 itself, is one run at 03:00 EDT).
 * This holds for interval patterns too, where croner (like Vixie cron) runs both passes of a repeated
 * hour: here an hourly `0 * * * *` fires at 01:00 EDT and not again at 01:00 EST, so on the autumn day
 * two hours pass between its 01:00 and 02:00 runs, and an every-minute schedule is silent for the
 * repeated hour's second pass. Every matching local reading fires once: none is dropped, none repeats.
 *
 * Each next instant is computed from the previous scheduled instant, never from "now": a late or
 * repeated tick then still yields the same instants, which is what makes one run per instant hold.
 */
export class CronSchedule {
  private constructor(
    readonly pattern: CronPattern,
    readonly zone: TimeZone,
  ) {}

  /** Validates both fields, throwing a ScheduleDefinitionError that names the one at fault (a PUT's 400). */
  static parse(cron: string, timezone: string): CronSchedule {
    let zone: TimeZone;
    try {
      zone = TimeZone.of(timezone);
    } catch (error) {
      if (error instanceof InvalidTimeZoneError) throw new ScheduleDefinitionError("timezone", error.message, { cause: error });
      throw error;
    }
    try {
      return new CronSchedule(CronPattern.parse(cron), zone);
    } catch (error) {
      if (error instanceof CronSyntaxError) throw new ScheduleDefinitionError("cron", error.message, { cause: error });
      throw error;
    }
  }

  get cron(): string {
    return this.pattern.text;
  }

  get timezone(): string {
    return this.zone.name;
  }

  /** The first instant strictly after the previous scheduled instant, or null if the pattern has ended. */
  nextInstant(previousScheduled: Date): Date | null {
    const next = this.nextOccurrence(previousScheduled.getTime());
    return next === null ? null : new Date(next.instant);
  }

  /** The latest instant at or before `at`, or null if the schedule never fired before it. */
  latestInstant(at: Date): Date | null {
    const latest = this.latestInstantAtOrBefore(at.getTime());
    return latest === null ? null : new Date(latest);
  }

  /**
   * What is due between the previous scheduled instant and now, under a catch-up policy: `latest`
   * fires only the latest missed instant, `none` none of them, `all` each (at most 100, oldest first).
   * An instant whose tick comes within `graceMs` (default 5 minutes) is on time, not missed.
   */
  missedInstants(lastFired: Date, now: Date, catchup: Catchup, options?: { graceMs?: number }): CatchupPlan {
    return planCatchup(this, lastFired, now, catchup, options);
  }

  /** The next `count` instants at or after `from`, in UTC and local time, with daylight-saving notes. */
  preview(from: Date, count: number): PreviewEntry[] {
    return previewSchedule(this, from, count);
  }

  /** The first occurrence strictly after `after` (epoch milliseconds). */
  nextOccurrence(after: number): Occurrence | null {
    // The wall time of `after` itself never lands after it (at most on its first occurrence), so the walk
    // starts there and skips what lands at or before `after`: only the rest of a repeated hour does.
    let wall = this.zone.wallAt(after);
    for (let step = 0; step < MAX_STEPS; step++) {
      const match = this.pattern.nextAfter(wall);
      if (match === null) return null;
      const { instant, resolution } = this.zone.resolve(match);
      if (instant > after) return { instant, wall: match, resolution };
      wall = match;
    }
    throw new Error(`schedule '${this.cron}' in ${this.timezone}: no next instant after ${new Date(after).toISOString()} within ${MAX_STEPS} matches`);
  }

  /** The latest instant at or before `at` (epoch milliseconds). */
  latestInstantAtOrBefore(at: number): number | null {
    // A wall time past which every reading lands after `at`: the mapping never decreases, so one such
    // reading bounds them all. Usually a minute on; in the first pass of a repeated hour, past its end.
    const base = this.zone.wallAt(at);
    let ahead = MINUTE;
    while (this.zone.resolve(wallTime(base + ahead)).instant <= at) {
      if (ahead > WEEK) throw new Error(`time zone ${this.timezone}: local time does not advance after ${new Date(at).toISOString()}`);
      ahead *= 2;
    }
    let wall = wallTime(base + ahead);
    for (let step = 0; step < MAX_STEPS; step++) {
      const match = this.pattern.previousBefore(wall);
      if (match === null) return null;
      const { instant } = this.zone.resolve(match);
      if (instant <= at) return instant;
      wall = match;
    }
    throw new Error(`schedule '${this.cron}' in ${this.timezone}: no instant before ${new Date(at).toISOString()} within ${MAX_STEPS} matches`);
  }
}
