import type { Database } from "../../src/db/client";
import { isoAt } from "../../src/lifecycle/clock";
import { pollCondition } from "../../src/lifecycle/polling-condition";
import type { TriggerRecord } from "../../src/lifecycle/registry";
import { newId } from "../../src/lib/ids";
import { nextInterval } from "../../src/schedules/polling-backoff";
import type { PollingTrigger } from "../../src/schedules/trigger-schemas";
import type { StepTools } from "./schedule-step";
import type { TriggerState } from "./trigger-store";

/**
 * One poll, if one is due: the condition runs as the workflow's author; a non-zero, non-null first
 * column of the first row records a run to start (its input: that row) and resets the interval; 0, null,
 * no row, or a failure doubles it up to the maximum (`nextInterval`). The object runs one step at a time,
 * so two polls of one trigger are never in flight together. True when a poll was made.
 */
export async function pollTick(env: Env, db: Database, tools: StepTools, state: TriggerState, config: PollingTrigger, record: TriggerRecord): Promise<boolean> {
  const { store, now } = tools;
  if (state.next_ms !== null && state.next_ms > now) return false;
  const number = state.polls + 1;
  const polledAt = isoAt(now);
  const result = await pollCondition(env, db, record.author, config.condition, new Date(now), `poll:${record.triggerId}:${number}`);
  const current = state.interval_seconds ?? config.interval_seconds;
  const next = nextInterval(current, result.outcome, { interval_seconds: config.interval_seconds, max_interval_seconds: config.backoff.max_interval_seconds });
  const nextPoll = `next poll in ${next.interval_seconds} s`;
  tools.storage.transactionSync(() => {
    if (result.outcome === "started") {
      store.record(
        `poll:${number}`,
        newId("run"),
        {
          input: result.row,
          trigger: { type: "polling", poll: { number, polled_at: polledAt }, trigger_id: record.triggerId },
          details: { poll: number, polled_at: polledAt, row: result.row, interval_seconds: next.interval_seconds },
          reason: `poll ${number}: the condition's first column is non-zero; the interval resets to ${next.interval_seconds} s`,
        },
        now,
      );
    } else if (result.outcome === "idle") {
      tools.decide({
        decision: "skipped",
        reason: `poll ${number}: the condition returned ${JSON.stringify(result.value)}; ${nextPoll}`,
        details: { poll: number, polled_at: polledAt, value: result.value, interval_seconds: next.interval_seconds },
      });
    } else {
      tools.decide({
        decision: "failed",
        reason: `poll ${number}: the condition failed: ${result.error.message}; ${nextPoll}`,
        details: { poll: number, polled_at: polledAt, error: result.error, sql: result.sql, interval_seconds: next.interval_seconds },
      });
    }
    state.polls = number;
    state.interval_seconds = next.interval_seconds;
    state.next_ms = now + next.delay_ms;
    store.saveState(state);
  });
  return true;
}
