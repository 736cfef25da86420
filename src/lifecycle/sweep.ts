import { database } from "../db/client";
import { isoAt, lifecycleClock } from "./clock";
import { overdueTriggers } from "./registry";
import { triggerObject } from "./trigger-object";

/**
 * How far past its `next_at` a trigger must be before the safety net wakes it: its own alarm comes at
 * that instant, and the every-minute Cron Trigger, on the same minute boundaries as most schedules, must
 * not race every alarm to it.
 */
export const SWEEP_MARGIN_MS = 30_000;
/** Triggers woken per tick at most; the rest (an outage of thousands) are woken by the next ticks. */
export const SWEEP_LIMIT = 1000;
const CONCURRENCY = 16;

export interface SweepReport {
  woken: number;
  started: number;
}

/**
 * The every-minute safety net (`scheduled()`): wakes every schedule or polling trigger whose object
 * should have woken more than SWEEP_MARGIN_MS ago and has not said it did: an alarm lost in a deploy, a
 * new trigger whose object was never told. One indexed range read, then one call per overdue trigger:
 * the work grows with what is overdue, never with what is defined. A trigger woken twice (two ticks at
 * once) starts nothing twice: its object finds its instant handled and records the duplicate tick.
 */
export async function sweepLifecycleTriggers(env: Env): Promise<SweepReport> {
  const now = lifecycleClock.now();
  const overdue = await overdueTriggers(database(env), isoAt(now - SWEEP_MARGIN_MS), SWEEP_LIMIT);
  const failures: string[] = [];
  let started = 0;
  for (let i = 0; i < overdue.length; i += CONCURRENCY) {
    const batch = overdue.slice(i, i + CONCURRENCY);
    const results = await Promise.allSettled(batch.map(({ triggerId }) => triggerObject(env, triggerId).sync(triggerId, "sweep")));
    results.forEach((result, j) => {
      if (result.status === "fulfilled") started += result.value.started.length;
      else failures.push(`${batch[j]!.triggerId}: ${String(result.reason)}`);
    });
  }
  if (failures.length > 0) throw new Error(`the safety net could not wake ${failures.length} lifecycle trigger(s): ${failures.slice(0, 5).join("; ")}`);
  return { woken: overdue.length, started };
}
