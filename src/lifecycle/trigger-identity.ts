import { sha256Hex } from "../lib/crypto";
import type { PollingTrigger, ScheduleTrigger, Trigger, WebhookTrigger } from "../schedules/trigger-schemas";

/** The kinds of trigger the platform keeps state for; `manual` needs none and `event` is matched by the events code. */
export type LifecycleKind = "schedule" | "polling" | "webhook";

export type LifecycleConfig = ScheduleTrigger | PollingTrigger | WebhookTrigger;

export interface PlannedTrigger {
  triggerId: string;
  /** Its position in the workflow's `triggers:` list. */
  index: number;
  kind: LifecycleKind;
  config: LifecycleConfig;
  /** The hook's path for a webhook, else null. */
  path: string | null;
}

export const isLifecycleTrigger = (trigger: Trigger): trigger is LifecycleConfig =>
  trigger.type === "schedule" || trigger.type === "polling" || trigger.type === "webhook";

/**
 * What makes a trigger the same trigger from one revision to the next: a schedule's cron and zone (not
 * its catch-up policy, which may change without losing the schedule's place), a poll's condition and
 * intervals, a hook's path. While it stays the same the trigger keeps its id, so its last scheduled
 * instant, its polling interval, its hook keys and its decisions carry over; a changed cron is a new
 * schedule that starts from the moment it was defined (it never "catches up" on instants of a pattern
 * that did not exist).
 */
function identityOf(trigger: LifecycleConfig): string {
  switch (trigger.type) {
    case "schedule":
      return `schedule\n${trigger.cron}\n${trigger.timezone}`;
    case "polling":
      return `polling\n${trigger.interval_seconds}\n${trigger.backoff.max_interval_seconds}\n${trigger.condition}`;
    case "webhook":
      return `webhook\n${trigger.path}`;
  }
}

/** A trigger's id: derived from its workflow and identity, so every writer computes the same one. */
export const triggerIdOf = (workflow: string, identity: string): string => `ltr_${sha256Hex(`${workflow}\n${identity}`).slice(0, 26)}`;

/** The workflow's schedule, polling and webhook triggers, each with its id. */
export function plannedTriggers(workflow: string, triggers: readonly Trigger[]): PlannedTrigger[] {
  const seen = new Map<string, number>();
  const planned: PlannedTrigger[] = [];
  triggers.forEach((trigger, index) => {
    if (!isLifecycleTrigger(trigger)) return;
    const base = identityOf(trigger);
    // Two identical schedules in one workflow are two triggers (each fires): the second is told apart by its rank.
    const rank = seen.get(base) ?? 0;
    seen.set(base, rank + 1);
    const identity = rank === 0 ? base : `${base}\n#${rank}`;
    planned.push({ triggerId: triggerIdOf(workflow, identity), index, kind: trigger.type, config: trigger, path: trigger.type === "webhook" ? trigger.path : null });
  });
  return planned;
}
