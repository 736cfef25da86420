import { and, eq, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { Database } from "../db/client";
import { eventSubscriptions, hookKeys } from "../db/schema";
import type { HookKey } from "../schedules/hook-auth/hook-keys";
import { CronSchedule } from "../schedules/cron-schedule";
import { localIso } from "../schedules/time-zone";
import type { Trigger } from "../schedules/trigger-schemas";
import type { Json } from "../workflows/definition/types";
import { type CurrentWorkflow, definitionOf } from "../workflows/workflow-store";
import { lifecycleClock } from "./clock";
import { type TriggerDecision, recentDecisions } from "./decisions";
import { flattenSchemaNames } from "./schema-qualified-names";
import { type RegistryRow, workflowTriggerRows } from "./registry";
import type { TriggerListingSchema, TriggerStateSchema, TriggerStatusSchema } from "./schemas";
import { plannedTriggers } from "./trigger-identity";

type TriggerStatus = z.infer<typeof TriggerStatusSchema>;
type TriggerState = z.infer<typeof TriggerStateSchema>;
export type TriggerListing = z.infer<typeof TriggerListingSchema>;

/**
 * `GET /v1/workflows/{name}/triggers`: every trigger of the current revision, in the order written, with
 * its state (the next instant, the polling interval now in force, the hook's working keys) and its recent
 * decisions. Event triggers are matched by the events module: their subscription and decisions are read
 * from its tables.
 */
export async function listTriggers(db: Database, current: CurrentWorkflow, perTrigger: number): Promise<TriggerListing> {
  const workflow = current.workflow.name;
  const definition = definitionOf(current.revision);
  const planned = new Map(plannedTriggers(workflow, definition.triggers).map((p) => [p.index, p]));
  const [rows, decisions, keys, events] = await Promise.all([
    workflowTriggerRows(db, workflow),
    perTrigger > 0 ? recentDecisions(db, workflow, perTrigger) : Promise.resolve(new Map<string, TriggerDecision[]>()),
    db.select().from(hookKeys).where(eq(hookKeys.workflow, workflow)),
    eventTriggerActivity(db, workflow, perTrigger),
  ]);
  const byId = new Map(rows.map((r) => [r.triggerId, r]));
  const keysById = new Map(keys.map((k) => [k.triggerId, JSON.parse(k.keys) as HookKey[]]));
  const now = lifecycleClock.now();

  const items = definition.triggers.map((trigger, index): TriggerStatus => {
    if (trigger.type === "manual") return { index, type: "manual", trigger_id: null, definition: trigger, state: null, last_decision: null, decisions: [] };
    if (trigger.type === "event") {
      const activity = events.get(index);
      const shown = activity?.decisions ?? [];
      return { index, type: "event", trigger_id: activity?.triggerId ?? null, definition: trigger, state: { subscribed: activity !== undefined }, last_decision: shown[0] ?? null, decisions: shown };
    }
    const plan = planned.get(index);
    const row = plan ? byId.get(plan.triggerId) : undefined;
    const recent = plan ? (decisions.get(plan.triggerId) ?? []) : [];
    const lastDecision = row?.lastDecision ? (JSON.parse(row.lastDecision) as TriggerDecision & { workflow?: string }) : (recent[0] ?? null);
    if (lastDecision && "workflow" in lastDecision) delete lastDecision.workflow;
    return {
      index,
      type: trigger.type,
      trigger_id: plan?.triggerId ?? null,
      definition: trigger,
      state: stateOf(trigger, row, plan ? keysById.get(plan.triggerId) : undefined, now),
      last_decision: lastDecision,
      decisions: recent,
    };
  });
  return { workflow, revision: current.revision.revision, items };
}

function stateOf(trigger: Trigger, row: RegistryRow | undefined, keys: HookKey[] | undefined, now: number): TriggerState | null {
  const mirrored = row?.state ? (JSON.parse(row.state) as TriggerState) : {};
  if (trigger.type === "schedule") {
    const schedule = CronSchedule.parse(trigger.cron, trigger.timezone);
    // Before the trigger's object has reported, the next instant is the schedule's next from now.
    const next = mirrored.next_instant !== undefined ? mirrored.next_instant : (schedule.nextInstant(new Date(now))?.toISOString() ?? null);
    return {
      next_instant: next,
      next_instant_local: next === null ? null : localIso(schedule.zone, Date.parse(next)),
      last_scheduled_for: mirrored.last_scheduled_for ?? null,
      catchup: trigger.catchup,
    };
  }
  if (trigger.type === "polling") {
    return {
      current_interval_seconds: mirrored.current_interval_seconds ?? trigger.interval_seconds,
      next_poll_at: mirrored.next_poll_at ?? null,
      polls: mirrored.polls ?? 0,
      condition_sql: flattenSchemaNames(trigger.condition),
    };
  }
  if (trigger.type === "webhook") {
    const state: TriggerState = { path: trigger.path };
    if (trigger.auth.type === "api_key") state.active_keys = (keys ?? []).filter((k) => k.expires_at === null || Date.parse(k.expires_at) > now).length;
    return state;
  }
  return null;
}

interface EventActivity {
  triggerId: string;
  decisions: TriggerDecision[];
}

/**
 * Event triggers are matched by the events module (src/events/matching.ts): one decision per event and
 * workflow in `_event_decisions`, with each entry's and trigger's own outcome in `entries`. Here they are
 * read back per trigger (`triggers[k]` in `_event_subscriptions`): the `perTrigger` most recent events
 * each trigger saw, fired when it matched and the run started, failed when the start failed, skipped (with
 * the filter's reason, or the loop guard's) otherwise.
 */
async function eventTriggerActivity(db: Database, workflow: string, perTrigger: number): Promise<Map<number, EventActivity>> {
  const [subscriptions, recent] = await Promise.all([
    db.select({ source: eventSubscriptions.source, triggerIndex: eventSubscriptions.triggerIndex }).from(eventSubscriptions).where(and(eq(eventSubscriptions.workflow, workflow), eq(eventSubscriptions.kind, "trigger"))),
    perTrigger <= 0
      ? Promise.resolve([])
      : db.all<{ source: string; event_id: string; matched: number; entry_reason: string; reason: string; run_id: string | null; run_error: string | null; decided_at: string }>(sql`
          SELECT source, event_id, matched, entry_reason, reason, run_id, run_error, decided_at FROM (
            SELECT e.value ->> '$.source' AS source, d.event_id, e.value ->> '$.matched' AS matched, e.value ->> '$.reason' AS entry_reason,
                   d.reason, d.run_id, d.run_error, d.decided_at,
                   row_number() OVER (PARTITION BY e.value ->> '$.source' ORDER BY d.decided_at DESC, d.event_id DESC) AS n
            FROM _event_decisions d, json_each(d.entries) e
            WHERE d.workflow = ${workflow} AND e.value ->> '$.kind' = 'trigger'
          ) WHERE n <= ${perTrigger} ORDER BY decided_at DESC, event_id DESC`),
  ]);
  const out = new Map<number, EventActivity>();
  for (const s of subscriptions) {
    if (s.triggerIndex === null) continue;
    const id = `${workflow}:${s.source}`;
    const mine = recent.filter((d) => d.source === s.source);
    out.set(s.triggerIndex, {
      triggerId: id,
      decisions: mine.map((d): TriggerDecision => {
        const fired = Boolean(d.matched) && d.run_id !== null;
        return {
          decision_id: d.event_id,
          trigger_id: id,
          decision: fired && d.run_error !== null ? "failed" : fired ? "fired" : "skipped",
          // The trigger's own outcome when it did not match; the workflow's (a held-back start) when it did.
          reason: d.matched ? d.reason : d.entry_reason,
          run_id: fired ? d.run_id : null,
          details: d.run_error !== null ? { event_id: d.event_id, error: JSON.parse(d.run_error) as Json } : { event_id: d.event_id },
          decided_at: d.decided_at,
        };
      }),
    });
  }
  return out;
}
