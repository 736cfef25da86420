import type { CronSchedule } from "./cron-schedule";

/** What a schedule does about instants that passed while nothing ran it (the contract's `catchup`). */
export const CATCHUP_POLICIES = ["latest", "none", "all"] as const;
export type Catchup = (typeof CATCHUP_POLICIES)[number];

/** `all` starts at most this many runs after downtime, the latest ones. */
export const MAX_CATCHUP_RUNS = 100;

/**
 * How late a tick may come and its instant still be on time rather than missed. The every-minute Cron
 * Trigger re-arms what an alarm missed, so a tick can trail its instant by a minute or two without any
 * downtime; `none` must still fire then ("exactly one run per scheduled instant, even when the minute
 * tick comes late").
 */
export const DEFAULT_GRACE_MS = 5 * 60_000;

/**
 * Skipped instants are counted one by one (each step is a croner match, 0.1 ms or so) up to this many;
 * past it the count is reported as unknown rather than spend a tick's CPU on a number.
 */
export const MAX_COUNTED_SKIPS = 100;

export interface SkippedInstants {
  first: Date;
  last: Date;
  /** How many, or null when more than MAX_COUNTED_SKIPS (counting them is not worth the CPU). */
  count: number | null;
}

export interface CatchupPlan {
  /** Instants to start a run for, oldest first; each is that run's `trigger.scheduled_for`. */
  fire: Date[];
  /** Instants that passed and will never run, for the trigger's decisions; null when none. */
  skipped: SkippedInstants | null;
  /** The latest instant now due: the `lastFired` of the next call. Null when nothing was due. */
  through: Date | null;
  /** The first instant after `now`: when to wake next. Null if the pattern has no more. */
  next: Date | null;
}

/**
 * The instants due between the previous scheduled instant (`lastFired`, exclusive) and `now`
 * (inclusive), and what to do with them under a catch-up policy:
 * - the latest due instant is on time when `now` is within `graceMs` of it, and every policy fires it;
 * - otherwise it was missed, and `latest` fires it, `none` skips it, `all` fires it;
 * - earlier due instants were missed: `all` fires them too, oldest first, up to MAX_CATCHUP_RUNS in all
 *   (the latest ones); the others are skipped.
 */
export function planCatchup(
  schedule: CronSchedule,
  lastFired: Date,
  now: Date,
  catchup: Catchup,
  options: { graceMs?: number } = {},
): CatchupPlan {
  const nowMs = now.getTime();
  const first = schedule.nextOccurrence(lastFired.getTime());
  const next = schedule.nextInstant(now);
  if (first === null || first.instant > nowMs) return { fire: [], skipped: null, through: null, next };

  // Not null: `first` is due, so the latest due instant exists and is at least `first`.
  const latest = schedule.latestInstantAtOrBefore(nowMs) ?? first.instant;
  const onTime = nowMs - latest <= (options.graceMs ?? DEFAULT_GRACE_MS);
  let fire: number[];
  if (catchup === "all") fire = latestInstants(schedule, latest, first.instant, MAX_CATCHUP_RUNS);
  else if (catchup === "latest" || onTime) fire = [latest];
  else fire = [];

  const oldestFired = fire[0];
  const lastSkipped = oldestFired === undefined ? latest : schedule.latestInstantAtOrBefore(oldestFired - 1);
  const skipped =
    lastSkipped === null || lastSkipped < first.instant
      ? null
      : { first: new Date(first.instant), last: new Date(lastSkipped), count: countInstants(schedule, first.instant, lastSkipped) };
  return { fire: fire.map((ms) => new Date(ms)), skipped, through: new Date(latest), next };
}

/** Up to `limit` instants from `latest` back to `oldest` (both inclusive), oldest first. */
function latestInstants(schedule: CronSchedule, latest: number, oldest: number, limit: number): number[] {
  const out = [latest];
  while (out.length < limit) {
    const previous = schedule.latestInstantAtOrBefore(out[out.length - 1]! - 1);
    if (previous === null || previous < oldest) break;
    out.push(previous);
  }
  return out.reverse();
}

function countInstants(schedule: CronSchedule, first: number, last: number): number | null {
  let count = 1;
  let at = first;
  while (at < last) {
    if (count >= MAX_COUNTED_SKIPS) return null;
    const next = schedule.nextOccurrence(at);
    if (next === null) break;
    at = next.instant;
    count++;
  }
  return count;
}
