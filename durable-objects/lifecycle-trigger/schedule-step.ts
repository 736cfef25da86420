import { isoAt } from "../../src/lifecycle/clock";
import type { NewDecision } from "../../src/lifecycle/decisions";
import { planTick } from "../../src/lifecycle/schedule-tick";
import { newId } from "../../src/lib/ids";
import { CronSchedule } from "../../src/schedules/cron-schedule";
import { localIso } from "../../src/schedules/time-zone";
import type { ScheduleTrigger } from "../../src/schedules/trigger-schemas";
import type { TriggerState, TriggerStore } from "./trigger-store";

export interface StepTools {
  store: TriggerStore;
  storage: DurableObjectStorage;
  now: number;
  decide(decision: NewDecision): void;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/**
 * One tick of a schedule: the instants due since the previous scheduled instant are planned (planTick),
 * each one to fire gets its ledger row and run id, what the catch-up policy passes over is a `skipped`
 * decision, and the trigger moves past them, all in one transaction. The runs are started afterwards
 * from the ledger. True when anything was due.
 */
export function scheduleTick(tools: StepTools, state: TriggerState, config: ScheduleTrigger, triggerId: string): boolean {
  const { store, now } = tools;
  const schedule = CronSchedule.parse(config.cron, config.timezone);
  const anchor = state.anchor_ms ?? now;
  const plan = planTick(schedule, anchor, now, config.catchup);
  const due = plan.fire.length > 0 || plan.skipped !== null;
  tools.storage.transactionSync(() => {
    for (const instant of plan.fire) {
      const scheduledFor = isoAt(instant);
      const local = localIso(schedule.zone, instant);
      const lateBy = now - instant;
      const why = plan.downtime
        ? `missed while the scheduler was down (the tick came ${minutes(lateBy)} after it); catchup: ${config.catchup}`
        : lateBy >= 60_000
          ? `the tick came ${minutes(lateBy)} late, within the grace: on time`
          : "on time";
      store.record(
        `schedule:${instant}`,
        newId("run"),
        {
          input: { scheduled_for: scheduledFor, timezone: config.timezone, local_time: local },
          trigger: { type: "schedule", scheduled_for: scheduledFor, trigger_id: triggerId },
          details: { scheduled_for: scheduledFor, local_time: local },
          reason: `scheduled instant ${local} (${config.cron} in ${config.timezone}): ${why}`,
        },
        now,
      );
    }
    if (plan.skipped) {
      const { first, last, count } = plan.skipped;
      const howMany = count === null ? "more than 100 instants" : count === 1 ? "1 instant" : `${count} instants`;
      const policy = plan.downtime
        ? `the scheduler was down; catchup: ${config.catchup} ${config.catchup === "none" ? "fires none of them" : config.catchup === "latest" ? "fires only the latest" : "fires at most the latest 100"}`
        : `the tick came late; catchup: ${config.catchup} fires only the latest due instant`;
      tools.decide({
        decision: "skipped",
        reason: `catch-up policy: ${howMany} from ${first.toISOString()} to ${last.toISOString()} passed over (${policy})`,
        details: { first: first.toISOString(), last: last.toISOString(), count, catchup: config.catchup },
      });
    }
    if (due) state.last_instant_ms = plan.anchorMs;
    state.anchor_ms = plan.anchorMs;
    state.next_ms = plan.nextMs;
    store.saveState(state);
  });
  return due;
}
