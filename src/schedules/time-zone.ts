/**
 * IANA time zones on top of `Intl` (workerd ships ICU's tz database), and the one rule Switchyard uses
 * to turn a local wall-clock time into an instant:
 * - a local time that exists once is that instant;
 * - a local time that occurs twice (clocks go back) is its first occurrence;
 * - a local time that does not exist (clocks go forward) is the instant the clocks jumped, which is
 *   the first valid time after the gap.
 * This mapping never decreases as the local time increases, which is what lets a schedule walk the
 * local calendar and still fire once per instant, in order.
 *
 * A wall time is held as the number of milliseconds a UTC clock would show at that reading
 * (`Date.UTC(year, month, day, hour, minute)`): arithmetic stays plain, and the brand keeps it from being
 * mixed up with an instant.
 */
export type WallTime = number & { readonly __wallTime: unique symbol };

export const wallTime = (ms: number) => ms as WallTime;

export type Resolution = "unique" | "repeated" | "skipped";

export interface ResolvedInstant {
  /** Milliseconds since the epoch. */
  instant: number;
  /** How the wall time met the clock: `repeated` took its first occurrence, `skipped` the end of a gap. */
  resolution: Resolution;
}

export class InvalidTimeZoneError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidTimeZoneError";
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An IANA name: Area/Location, or one of the legacy single names (UTC, EST5EDT). Offsets are not zones. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;

const FIELDS: Intl.DateTimeFormatOptions = { hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" };
const NAMES: Intl.DateTimeFormatOptions = { timeZoneName: "short" };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone and kind per isolate: building one costs far more than using it. */
function formatter(zone: string, kind: "fields" | "names"): Intl.DateTimeFormat {
  const key = `${kind} ${zone}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", { timeZone: zone, ...(kind === "fields" ? FIELDS : NAMES) });
    formatters.set(key, found);
  }
  return found;
}

export class TimeZone {
  private readonly fields: Intl.DateTimeFormat;
  private readonly names: Intl.DateTimeFormat;

  private constructor(readonly name: string) {
    this.fields = formatter(name, "fields");
    this.names = formatter(name, "names");
  }

  /**
   * The zone of an IANA name such as `America/New_York`. The name is kept as written except for its
   * letter case (`america/new_york` becomes `America/New_York`); aliases are not rewritten, so a user's
   * `Asia/Kolkata` stays `Asia/Kolkata`.
   */
  static of(name: string): TimeZone {
    if (!ZONE_NAME.test(name)) {
      throw new InvalidTimeZoneError(
        `'${name}' is not an IANA time zone name; use a name such as America/New_York or Europe/Paris (UTC offsets like +05:00 are not zones: they ignore daylight saving)`,
      );
    }
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    } catch (cause) {
      throw new InvalidTimeZoneError(`'${name}' is not a known IANA time zone; use a name such as America/New_York or Europe/Paris`, { cause });
    }
    return new TimeZone(resolved.toLowerCase() === name.toLowerCase() ? resolved : name);
  }

  /** The local wall time at an instant. */
  wallAt(instant: number): WallTime {
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.fields.formatToParts(instant)) {
      const value = Number(part.value);
      if (part.type === "year") year = value;
      else if (part.type === "month") month = value;
      else if (part.type === "day") day = value;
      else if (part.type === "hour") hour = value % 24;
      else if (part.type === "minute") minute = value;
      else if (part.type === "second") second = value;
    }
    const wholeSecond = Math.floor(instant / 1000) * 1000;
    return wallTime(Date.UTC(year, month - 1, day, hour, minute, second) + (instant - wholeSecond));
  }

  /** The zone's offset from UTC at an instant, in milliseconds (local minus UTC). */
  offsetAt(instant: number): number {
    return this.wallAt(instant) - instant;
  }

  /** The zone's short name at an instant: `EDT`, or `GMT+11` where ICU knows no abbreviation. */
  abbreviationAt(instant: number): string {
    return this.names.formatToParts(instant).find((p) => p.type === "timeZoneName")?.value ?? formatOffset(this.offsetAt(instant));
  }

  /**
   * The instant of a local wall time, by the rule above. Like Temporal's reference algorithm, it
   * assumes at most one offset change within a day either side of the wall time, which holds for
   * every zone in the database since 1900 apart from a few one-off jumps of a whole day.
   */
  resolve(wall: WallTime): ResolvedInstant {
    const offsetBefore = this.offsetAt(wall - DAY);
    const offsetAfter = this.offsetAt(wall + DAY);
    const candidates = [...new Set([offsetBefore, offsetAfter])]
      .map((offset) => wall - offset)
      .filter((instant) => this.wallAt(instant) === wall)
      .sort((a, b) => a - b);
    const first = candidates[0];
    if (first !== undefined) return { instant: first, resolution: candidates.length > 1 ? "repeated" : "unique" };
    // In a gap: read with the old offset the time lies after the jump, with the new one before it.
    const jumpFrom = wall - offsetAfter;
    const jumpTo = wall - offsetBefore;
    // Two changes within a day of each other (no zone has had them since 1900) leave no bracket: the old
    // offset's reading is then the nearest honest answer.
    if (jumpFrom >= jumpTo) return { instant: jumpTo, resolution: "skipped" };
    return { instant: this.transitionBetween(jumpFrom, jumpTo), resolution: "skipped" };
  }

  /** The first instant in (from, to] whose offset differs from the offset at `from`. */
  private transitionBetween(from: number, to: number): number {
    const offset = this.offsetAt(from);
    let low = from;
    let high = to;
    while (high - low > 1) {
      const middle = low + Math.floor((high - low) / 2);
      if (this.offsetAt(middle) === offset) low = middle;
      else high = middle;
    }
    return high;
  }
}

/** `+05:30`, `-04:00`: an offset as ISO 8601 writes it. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(offsetMs) / MINUTE);
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

export const pad = (n: number) => String(n).padStart(2, "0");

/** `2026-03-08`: the calendar date of a wall time. */
export const wallDate = (wall: WallTime) => new Date(wall).toISOString().slice(0, 10);

/** `02:30`: the clock reading of a wall time. */
export const wallClock = (wall: WallTime) => new Date(wall).toISOString().slice(11, 16);

/** `2026-03-08T03:00:00-04:00`: an instant as the zone's clocks show it, with the offset. */
export function localIso(zone: TimeZone, instant: number): string {
  const wall = zone.wallAt(instant);
  return `${new Date(wall).toISOString().slice(0, 19)}${formatOffset(wall - instant)}`;
}
