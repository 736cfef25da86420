import { z } from "@hono/zod-openapi";
import { JsonValueSchema, NAME_PATTERN, TimestampSchema, listOf } from "../http/openapi";

// Events and event types at the HTTP and queue boundaries (api-v1-coordination.md, "Events").

const NAME_HINT = "1-128 characters: letters, digits and . _ : - (starting with a letter or digit)";

export const EventTypeNameSchema = z.string().regex(NAME_PATTERN, `must be an event type: ${NAME_HINT}`).openapi({ example: "anomaly.detected" });

/** A producer's own event id (an order number, a load id) or ours (`evt_…`): the key duplicates are recognised by. */
export const EventIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}$/, "must be 1-200 characters: letters, digits and . _ : @ + = - (starting with a letter or digit)")
  .openapi({ example: "load-2026-11-21" });

export const EventTypePathSchema = z.object({ type: EventTypeNameSchema });
export const EventIdPathSchema = z.object({ event_id: EventIdSchema });

/** The largest `data` an event may carry, as JSON text. */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

export const PublishEventSchema = z
  .strictObject({
    type: EventTypeNameSchema,
    data: JsonValueSchema.openapi({ description: "The event's payload; its fields are the variables of workflow filters." }),
    source: z.string().min(1).max(200).nullable().optional().openapi({ description: "Who or what the event comes from (`sales_warehouse`).", example: "sales_warehouse" }),
    event_id: EventIdSchema.optional().openapi({
      description: "Your id for the event: the same id within EVENT_DEDUPE_SECONDS (default 24 h) starts nothing new. Default: a new `evt_…` id.",
    }),
    time: z.iso.datetime({ offset: true }).optional().openapi({ description: "When it happened (ISO-8601); default: when it was received." }),
  })
  .openapi("PublishEvent", { example: { type: "anomaly.detected", source: "metrics", data: { severity: "critical", service: "billing" } } });

export type PublishEvent = z.infer<typeof PublishEventSchema>;

const EntryDecisionSchema = z
  .object({
    source: z.string().openapi({ description: "The entry or trigger: `coordination.events[1]`, `triggers[0]`.", example: "coordination.events[1]" }),
    kind: z.enum(["pattern", "trigger"]),
    filter: z.string().nullable(),
    matched: z.boolean(),
    reason: z.string().openapi({ example: "the filter `severity >= 'high'` is false" }),
    saw: z.record(z.string(), JsonValueSchema).openapi({ description: "The fields the filter read, as this event had them.", example: { severity: "low" } }),
  })
  .openapi("EventEntryDecision");

export const EventDecisionSchema = z
  .object({
    workflow: z.string(),
    revision: z.number().int(),
    matched: z.boolean(),
    reason: z.string(),
    entries: z.array(EntryDecisionSchema),
    run_id: z.string().nullable().openapi({ description: "The run started for this event, when one was." }),
    run_status: z.string().nullable().openapi({ description: "That run's status now (null until its start is recorded)." }),
    run_error: z.object({ code: z.string(), message: z.string() }).nullable().openapi({ description: "Why the matched run could not be started." }),
    decided_at: TimestampSchema,
  })
  .openapi("EventDecision");

export const EventRunSchema = z.object({ run_id: z.string(), workflow: z.string() }).openapi("EventRun");

export const EventSchema = z
  .object({
    event_id: z.string(),
    type: z.string(),
    source: z.string().nullable(),
    data: JsonValueSchema.nullable(),
    time: TimestampSchema,
    received_at: TimestampSchema,
    status: z.enum(["accepted", "rejected"]).openapi({ description: "`rejected`: a queue message that was not a valid event (see `rejection`); it started nothing." }),
    rejection: z.object({ message: z.string(), details: z.unknown().optional() }).nullable(),
    publisher: z.enum(["http", "queue", "platform"]),
    published_by: z.string(),
    depth: z.number().int().openapi({ description: "Platform events between this one and the last cause from outside (0 for an event from outside)." }),
    caused_by: z.object({ run_id: z.string(), workflow: z.string(), started_by_platform_event: z.boolean() }).nullable(),
    decisions: z.array(EventDecisionSchema).openapi({ description: "One per workflow subscribed to the type when the event arrived." }),
    runs: z.array(EventRunSchema),
  })
  .openapi("Event");

export const EventListSchema = listOf(EventSchema, "EventList");

export const PublishedSchema = z
  .object({
    event_id: z.string(),
    duplicate: z.boolean().openapi({ description: "The event_id was seen within the dedupe window: nothing new started; `runs` are the first event's." }),
    runs: z.array(EventRunSchema),
  })
  .openapi("PublishedEvent");

export const EventListQuerySchema = z.object({
  type: EventTypeNameSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Only events received at or after this time." }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});

export const PutEventTypeSchema = z
  .strictObject({
    schema: z.union([z.boolean(), z.record(z.string(), JsonValueSchema)], { error: "must be a JSON Schema (an object)" }).openapi({
      description: "A JSON Schema for the events' `data`. A string field with an `enum` is an ordered level: filters compare its values by their position.",
      example: { type: "object", properties: { severity: { type: "string", enum: ["low", "medium", "high", "critical"] } }, required: ["severity"] },
    }),
    description: z.string().max(2000).nullable().optional(),
  })
  .openapi("PutEventType");

export const EventTypeSchema = z
  .object({
    type: z.string(),
    schema: JsonValueSchema,
    description: z.string().nullable(),
    version: z.number().int().openapi({ description: "Grows by one with each change." }),
    platform: z.boolean().openapi({ description: "A platform event type: Switchyard publishes it, and its schema is fixed." }),
    created_by: z.string(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .openapi("EventType");

export const EventTypeListSchema = listOf(EventTypeSchema, "EventTypeList");
export const DeletedEventTypeSchema = z.object({ type: z.string(), deleted: z.literal(true) }).openapi("DeletedEventType");
