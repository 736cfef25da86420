import { type Catchup, DEFAULT_GRACE_MS, type SkippedInstants } from "../schedules/catchup";
import type { CronSchedule } from "../schedules/cron-schedule";

/**
 * What one tick of a schedule does, from the previous scheduled instant (`anchorMs`, never "now") and
 * the time the tick comes (`nowMs`). Pure: the scheduler's object applies it.
 *
 * Late tick or downtime? The object should have woken at the first instant after its anchor. If it wakes
 * within LATE_TICK_GRACE_MS of that instant, the tick was merely late (an alarm re-armed by the
 * every-minute safety net, a slow deploy): what is due is on time, and fires under every policy (with
 * `latest` and `none`, the latest due instant; with `all`, each). If it wakes later than that, the
 * scheduler was down, and the catch-up policy decides alone: `latest` fires the latest missed instant,
 * `none` fires nothing and waits for the next instant, `all` fires each missed instant (at most 100).
 * So after an hour without ticks an every-minute schedule starts 1, 0 or 60 runs; an hourly schedule
 * whose tick comes two minutes late starts its run under all three.
 */
export const LATE_TICK_GRACE_MS = DEFAULT_GRACE_MS;

export interface TickPlan {
  /** Instants to start a run for, oldest first (epoch ms). */
  fire: number[];
  /** Instants passed over for good, or null. */
  skipped: SkippedInstants | null;
  /** The anchor after this tick: the latest instant now due (or the old anchor when none was). */
  anchorMs: number;
  /** When to wake next, or null if the pattern has no more instants. */
  nextMs: number | null;
  /** Whether the tick came after downtime (more than the grace after the first due instant). */
  downtime: boolean;
}

export function planTick(schedule: CronSchedule, anchorMs: number, nowMs: number, catchup: Catchup): TickPlan {
  const first = schedule.nextOccurrence(anchorMs);
  if (first === null || first.instant > nowMs) return { fire: [], skipped: null, anchorMs, nextMs: first?.instant ?? null, downtime: false };
  const downtime = nowMs - first.instant > LATE_TICK_GRACE_MS;
  // planCatchup's grace is measured from the latest due instant; here it is decided once, from the first.
  const plan = schedule.missedInstants(new Date(anchorMs), new Date(nowMs), catchup, { graceMs: downtime ? -1 : Number.POSITIVE_INFINITY });
  return {
    fire: plan.fire.map((d) => d.getTime()),
    skipped: plan.skipped,
    anchorMs: plan.through?.getTime() ?? anchorMs,
    nextMs: plan.next?.getTime() ?? null,
    downtime,
  };
}
