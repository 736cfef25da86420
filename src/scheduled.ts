import { sweepDueTests } from "./ab/test-lifecycle";
import { sweepExpiredBranches } from "./branches/sweep";
import { startUnstartedRuns } from "./events/recovery";
import { purgeExpiredEvents } from "./events/retention";
import { purgeExpiredIdempotencyKeys } from "./http/idempotency";
import { sweepLifecycleTriggers } from "./lifecycle/sweep";
import { purgeExpiredMemories } from "./memory/memory-writes";
import { memoryServices } from "./memory/services";
import { sweepTriggerOutbox } from "./triggers/outbox";

/**
 * The every-minute Cron Trigger. Each job is independent: one failing must not stop the others, and
 * all failures are logged and re-raised together so the invocation shows as failed.
 */
const jobs: Record<string, (env: Env) => Promise<unknown>> = {
  "idempotency-keys": purgeExpiredIdempotencyKeys,
  "expired-memories": (env) => purgeExpiredMemories(memoryServices(env)),
  "trigger-outbox": sweepTriggerOutbox,
  "expired-branches": sweepExpiredBranches,
  "ab-test-durations": sweepDueTests,
  "event-runs": startUnstartedRuns,
  "expired-events": purgeExpiredEvents,
  // The safety net of schedule and polling triggers: wakes any whose alarm did not come.
  "lifecycle-triggers": sweepLifecycleTriggers,
};

export async function runScheduledWork(_controller: ScheduledController, env: Env): Promise<void> {
  const results = await Promise.allSettled(Object.values(jobs).map((job) => job(env)));
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${Object.keys(jobs)[i]}: ${String(r.reason)}`] : []));
  if (failures.length) throw new Error(`Scheduled jobs failed: ${failures.join("; ")}`);
}

