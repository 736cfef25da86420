import { z } from "@hono/zod-openapi";
import { JsonValueSchema, TimestampSchema } from "../http/openapi";
import { MAX_PREVIEW_COUNT } from "../schedules/schedule-preview";
import { TriggerSchema } from "../schedules/trigger-schemas";
import { WorkflowSchema } from "../workflows/schemas";
import { DECISION_KINDS } from "./decision-kinds";

export const ShownHookKeySchema = z
  .object({
    path: z.string().openapi({ example: "/hooks/revenue-report" }),
    header: z.string().openapi({ example: "X-API-Key" }),
    api_key: z.string().openapi({ description: "The hook's key: shown here once, stored hashed.", example: "syh_…" }),
  })
  .openapi("HookKey");

export const WorkflowWithHookKeysSchema = WorkflowSchema.extend({
  hook_keys: z
    .array(ShownHookKeySchema)
    .optional()
    .openapi({ description: "The key of each `api_key` hook this PUT created, shown in this answer only. Lost? Rotate it." }),
}).openapi("WorkflowWithHookKeys");

export const TriggerDecisionSchema = z
  .object({
    decision_id: z.string(),
    trigger_id: z.string(),
    decision: z.enum(DECISION_KINDS),
    reason: z.string().nullable(),
    run_id: z.string().nullable(),
    details: z.record(z.string(), JsonValueSchema).nullable(),
    decided_at: TimestampSchema,
  })
  .openapi("TriggerDecision", {
    description:
      "fired (the run started), skipped (the catch-up policy passed instants over, a duplicate tick, an idle poll), deduplicated " +
      "(a retried hook call answered with the run it started before), failed (the error).",
  });

export const TriggerStateSchema = z
  .object({
    next_instant: TimestampSchema.nullable().optional().openapi({ description: "Schedule: the next instant it fires (UTC)." }),
    next_instant_local: z.string().nullable().optional().openapi({ description: "Schedule: the same instant on the zone's clocks." }),
    last_scheduled_for: TimestampSchema.nullable().optional().openapi({ description: "Schedule: the latest instant a tick handled (fired or skipped)." }),
    catchup: z.string().optional(),
    current_interval_seconds: z.number().int().nullable().optional().openapi({ description: "Polling: the interval now in force (doubles while idle)." }),
    next_poll_at: TimestampSchema.nullable().optional(),
    polls: z.number().int().optional(),
    condition_sql: z.string().optional().openapi({ description: "Polling: the condition as it runs (schema-qualified names flattened)." }),
    path: z.string().optional().openapi({ description: "Webhook: where it listens." }),
    active_keys: z.number().int().optional().openapi({ description: "Webhook (api_key): keys that work now (two for an hour after a rotation)." }),
    subscribed: z.boolean().optional().openapi({ description: "Event: whether the events module holds the trigger's subscription (`_event_subscriptions`)." }),
  })
  .openapi("LifecycleTriggerState");

export const TriggerStatusSchema = z
  .object({
    index: z.number().int().openapi({ description: "Its position in the workflow's `triggers:`." }),
    type: z.enum(["manual", "schedule", "polling", "event", "webhook"]),
    trigger_id: z.string().nullable().openapi({ description: "Null for manual triggers (and an event trigger without its subscription). An event trigger's is `<workflow>:triggers[k]`." }),
    definition: TriggerSchema,
    state: TriggerStateSchema.nullable(),
    last_decision: TriggerDecisionSchema.nullable(),
    decisions: z.array(TriggerDecisionSchema).openapi({ description: "The most recent decisions, newest first." }),
  })
  .openapi("LifecycleTriggerStatus");

export const TriggerListingSchema = z
  .object({ workflow: z.string(), revision: z.number().int(), items: z.array(TriggerStatusSchema) })
  .openapi("LifecycleTriggerList");

export const TriggersQuerySchema = z.object({
  decisions: z.coerce.number().int().min(0).max(50).default(20).openapi({ description: "Decisions shown per trigger, newest first (0-50, default 20)." }),
});

export const SchedulePreviewQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "Preview instants at or after this time (default: now).", example: "2026-03-01T00:00:00.000Z" }),
  count: z.coerce.number().int().min(1).max(MAX_PREVIEW_COUNT).default(10).openapi({ description: `Instants per schedule, 1-${MAX_PREVIEW_COUNT} (default 10).` }),
});

export const PreviewEntrySchema = z
  .object({
    utc: TimestampSchema,
    local: z.string().openapi({ example: "2026-03-08T03:00:00-04:00" }),
    offset: z.string().openapi({ example: "-04:00" }),
    note: z.string().nullable().openapi({ description: "Where daylight saving moved a scheduled local time, how.", example: "02:30 does not exist on 2026-03-08 in America/New_York (clocks go forward); fires at 03:00 EDT" }),
  })
  .openapi("ScheduleInstant");

export const SchedulePreviewSchema = z
  .object({
    workflow: z.string(),
    from: TimestampSchema,
    schedules: z.array(
      z.object({
        index: z.number().int(),
        trigger_id: z.string(),
        cron: z.string(),
        timezone: z.string(),
        catchup: z.string(),
        instants: z.array(PreviewEntrySchema),
      }),
    ),
  })
  .openapi("SchedulePreview");

export const RotateHookSchema = z
  .object({ path: z.string().min(1).max(300).openapi({ description: "The hook's path, with or without /hooks/.", example: "/hooks/revenue-report" }) })
  .openapi("RotateHook");

export const RotatedHookSchema = z
  .object({
    workflow: z.string(),
    hook_keys: z.array(ShownHookKeySchema).openapi({ description: "The new key, shown this once." }),
    previous_keys_expire_at: TimestampSchema.nullable().openapi({ description: "The keys that were current keep working until then (an hour)." }),
  })
  .openapi("RotatedHook");

export const HookAcceptedSchema = z.object({ run_id: z.string() }).openapi("HookAccepted");
