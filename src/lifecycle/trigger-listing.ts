import { eq, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { Database } from "../db/client";
import { hookKeys } from "../db/schema";
import type { HookKey } from "../schedules/hook-auth/hook-keys";
import { CronSchedule } from "../schedules/cron-schedule";
import { localIso } from "../schedules/time-zone";
import type { Trigger } from "../schedules/trigger-schemas";
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
 * decisions. Event triggers are matched by the events code: their state and decisions are shown from its
 * tables when they exist in this deployment.
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
      const activity = events?.get(index);
      const shown = activity?.decisions.slice(0, perTrigger) ?? [];
      return { index, type: "event", trigger_id: activity?.triggerId ?? null, definition: trigger, state: events ? { subscribed: activity !== undefined } : null, last_decision: shown[0] ?? null, decisions: shown };
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
  triggerId: string | null;
  decisions: TriggerDecision[];
}

const NO_EVENT_TABLES = /no such (table|column)/i;

/**
 * Event triggers' subscriptions and decisions from the events code's tables (`_event_subscriptions`,
 * `_event_decisions`), by trigger index; null where this deployment has no such tables.
 */
async function eventTriggerActivity(db: Database, workflow: string, perTrigger: number): Promise<Map<number, EventActivity> | null> {
  try {
    const subscriptions = await db.all<{ source: string; trigger_index: number | null }>(
      sql`SELECT source, trigger_index FROM _event_subscriptions WHERE workflow = ${workflow} AND kind = 'trigger'`,
    );
    const recent = await db.all<{ event_id: string; matched: number; reason: string; entries: string; run_id: string | null; run_error: string | null; decided_at: string }>(
      sql`SELECT event_id, matched, reason, entries, run_id, run_error, decided_at FROM _event_decisions WHERE workflow = ${workflow} ORDER BY decided_at DESC LIMIT ${Math.max(perTrigger, 1) * 10}`,
    );
    const out = new Map<number, EventActivity>();
    for (const s of subscriptions) {
      if (s.trigger_index === null) continue;
      const id = `${workflow}:${s.source}`;
      const mine = recent.filter((d) => d.entries.includes(s.source));
      out.set(s.trigger_index, {
        triggerId: id,
        decisions: mine.map((d) => ({
          decision_id: d.event_id,
          trigger_id: id,
          decision: d.run_error !== null ? "failed" : d.matched && d.run_id !== null ? "fired" : "skipped",
          reason: d.reason,
          run_id: d.run_id,
          details: { event_id: d.event_id },
          decided_at: d.decided_at,
        })),
      });
    }
    return out;
  } catch (error) {
    // A deployment without the events tables has no event subscriptions to show; anything else is real.
    if (error instanceof Error && NO_EVENT_TABLES.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`)) return null;
    throw error;
  }
}

