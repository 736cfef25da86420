import type { CronSchedule, Occurrence } from "./cron-schedule";
import { type WallTime, formatOffset, localIso, wallClock, wallDate, wallTime } from "./time-zone";

/** `GET /v1/workflows/{name}/schedule?count=` answers at most this many instants. */
export const MAX_PREVIEW_COUNT = 100;

export interface PreviewEntry {
  /** The instant, ISO 8601 UTC: `2026-03-08T07:00:00.000Z`. */
  utc: string;
  /** The same instant on the zone's clocks, with its offset: `2026-03-08T03:00:00-04:00`. */
  local: string;
  /** The zone's offset then: `-04:00`. */
  offset: string;
  /** Set where daylight saving moved a scheduled local time, saying how; otherwise null. */
  note: string | null;
}

/**
 * The next `count` instants at or after `from`, each in UTC and local time, with a note wherever
 * daylight saving moved one: a local time that does not exist that day, or one that occurs twice.
 */
export function previewSchedule(schedule: CronSchedule, from: Date, count: number): PreviewEntry[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
    throw new RangeError(`count must be a whole number from 1 to ${MAX_PREVIEW_COUNT}, not ${count}`);
  }
  const entries: PreviewEntry[] = [];
  let after = from.getTime() - 1;
  while (entries.length < count) {
    const occurrence = schedule.nextOccurrence(after);
    if (occurrence === null) break;
    entries.push(previewEntry(schedule, occurrence));
    after = occurrence.instant;
  }
  return entries;
}

function previewEntry(schedule: CronSchedule, occurrence: Occurrence): PreviewEntry {
  const { zone } = schedule;
  const { instant } = occurrence;
  return {
    utc: new Date(instant).toISOString(),
    local: localIso(zone, instant),
    offset: formatOffset(zone.offsetAt(instant)),
    note: noteFor(schedule, occurrence),
  };
}

function noteFor(schedule: CronSchedule, { instant, wall, resolution }: Occurrence): string | null {
  const { zone } = schedule;
  const firesAt = `${wallClock(zone.wallAt(instant))} ${zone.abbreviationAt(instant)}`;
  if (resolution === "repeated") {
    return `${wallClock(wall)} occurs twice on ${wallDate(wall)}; fires once, at the first (${zone.abbreviationAt(instant)})`;
  }
  if (resolution !== "skipped") return null;
  // Every scheduled time inside the gap lands on this one instant.
  const gapEnd = zone.wallAt(instant);
  const missing: WallTime[] = [];
  for (let at: WallTime | null = wall; at !== null && at < gapEnd; at = schedule.pattern.nextAfter(at)) missing.push(at);
  const where = `on ${wallDate(wall)} in ${zone.name} (clocks go forward)`;
  if (missing.length <= 1) return `${wallClock(wall)} does not exist ${where}; fires at ${firesAt}`;
  const last = missing[missing.length - 1] ?? wallTime(wall);
  return `${wallClock(wall)} to ${wallClock(last)} (${missing.length} scheduled times) do not exist ${where}; they fire once, at ${firesAt}`;
}
