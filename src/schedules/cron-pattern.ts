import { Cron } from "croner";
import { type WallTime, wallTime } from "./time-zone";

/**
 * A five-field cron pattern (minute hour day-of-month month day-of-week), matched against local
 * wall-clock readings. croner parses and matches; it runs at a fixed UTC offset of zero, where no clock
 * ever jumps, because how a reading becomes an instant is decided by `TimeZone.resolve` (croner's own
 * daylight-saving rules treat fixed-time and interval patterns differently; Switchyard's contract does
 * not, see cron-schedule.ts).
 *
 * Fields follow Vixie cron: `*`, lists, ranges, steps (`*\/15`, `1-30/5`), month and weekday names,
 * 0 or 7 for Sunday, and when both day fields are restricted a day matching either one matches. croner's
 * extensions within five fields are accepted too: `L` (last day, last weekday of the month), `W`
 * (nearest weekday), `#` (nth weekday), `?` (same as `*`). Six-field patterns (seconds) and nicknames
 * (`@daily`) are refused: Cloudflare's cron has neither, and a schedule has minute resolution.
 */
export class CronSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CronSyntaxError";
  }
}

const FIELDS = [
  { name: "minute", allowed: "0-59" },
  { name: "hour", allowed: "0-23" },
  { name: "day-of-month", allowed: "1-31, L or nW" },
  { name: "month", allowed: "1-12 or JAN-DEC" },
  { name: "day-of-week", allowed: "0-7 (0 and 7 are Sunday) or SUN-SAT, with L or #n" },
] as const;

const EXAMPLE = "'0 8 * * MON' (08:00 every Monday)";

const compile = (pattern: string) => new Cron(pattern, { utcOffset: 0, mode: "5-part" });

/** A reference point for "does this pattern ever match"; every date works, 2000 starts a leap cycle. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);

export class CronPattern {
  private constructor(
    readonly text: string,
    private readonly cron: Cron,
  ) {}

  /** Parses a pattern, or throws a CronSyntaxError that names the field at fault and what it accepts. */
  static parse(text: string): CronPattern {
    const fields = text.trim().split(/\s+/).filter((f) => f.length > 0);
    if (fields.length !== 5 || text.includes("@")) {
      throw new CronSyntaxError(
        `cron '${text}' must have five fields, minute hour day-of-month month day-of-week, such as ${EXAMPLE}; ` +
          `seconds and nicknames like @daily are not supported`,
      );
    }
    fields.forEach((field, i) => {
      // Each field alone, the others `*`: the error then names the field, which croner's messages do not
      // always do faithfully.
      const probe = FIELDS.map((_, j) => (j === i ? field : "*")).join(" ");
      try {
        compile(probe);
      } catch (cause) {
        const { name, allowed } = FIELDS[i]!;
        throw new CronSyntaxError(
          `cron '${text}': the ${name} field '${field}' is not valid; it takes ${allowed}, '*', lists (a,b), ranges (a-b) and steps (*/n or a-b/n)`,
          { cause },
        );
      }
    });
    const normalised = fields.join(" ");
    let cron: Cron;
    try {
      cron = compile(normalised);
    } catch (cause) {
      throw new CronSyntaxError(`cron '${text}' is not valid: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (cron.nextRun(new Date(EPOCH_2000)) === null) {
      throw new CronSyntaxError(`cron '${text}' never fires: no date has that day of the month in that month (such as 30 February)`);
    }
    return new CronPattern(normalised, cron);
  }

  /** The first matching wall time strictly after `wall`, or null when there is none before the year 3000. */
  nextAfter(wall: WallTime): WallTime | null {
    const next = this.cron.nextRun(new Date(wall));
    return next === null ? null : wallTime(next.getTime());
  }

  /** The last matching wall time strictly before `wall`, or null. */
  previousBefore(wall: WallTime): WallTime | null {
    const previous = this.cron.previousRuns(1, new Date(wall))[0];
    return previous === undefined ? null : wallTime(previous.getTime());
  }
}
