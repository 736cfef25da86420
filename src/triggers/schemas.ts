import { z } from "@hono/zod-openapi";
import { AgentIdSchema, ListQuery, TimestampSchema, listOf } from "../http/openapi";
import { MAX_CONTENT_BYTES } from "../memory/schemas";
import { isPlatformEventType } from "../events/platform-types";
import { EventTypeNameSchema } from "../events/schemas";

const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;
const MAX_CONCEPT_BYTES = 8 * 1024;
export const MAX_TRIGGER_NAMESPACES = 50;

const NameSchema = z.string().trim().min(1).max(200);
const ConceptSchema = z
  .string()
  .refine((s) => s.trim().length > 0, "concept must not be empty")
  .refine((s) => utf8Bytes(s) <= MAX_CONCEPT_BYTES, `concept must be at most ${MAX_CONCEPT_BYTES} bytes`)
  .openapi({ description: "What the trigger listens for, in words; embedded once with the memory embedder.", example: "customer segment insights" });
const ThresholdSchema = z.number().min(0).max(1).openapi({ description: "Cosine similarity in 0..1 a memory must reach.", example: 0.6 });
const CooldownSchema = z.number().int().min(0).max(365 * 24 * 3600).openapi({ description: "Seconds after a firing during which the trigger does not fire again.", example: 300 });
const NamespacesSchema = z
  .array(AgentIdSchema)
  .min(1)
  .max(MAX_TRIGGER_NAMESPACES)
  .openapi({ description: "Only memories stored in these namespaces (default: all).", example: ["shared-knowledge-base"] });

export const WebhookUrlSchema = z.string().max(2048).openapi({ example: "https://hooks.example.com/switchyard" });

export const AgentNotifyActionSchema = z.strictObject({ type: z.literal("agent_notify"), target_agent_id: AgentIdSchema });
export const WebhookActionInputSchema = z.strictObject({
  type: z.literal("webhook"),
  url: WebhookUrlSchema,
  secret: z.string().min(16, "secret must be at least 16 characters").max(256).openapi({ description: "Signs each delivery; never shown again." }),
});
export const WriteEventActionSchema = z.strictObject({ type: z.literal("write_event") });
/** Publishes an event of `event_type` with the memory's id and the score (api-v1-coordination.md, "Events"). */
export const EmitEventActionSchema = z.strictObject({
  type: z.literal("emit_event"),
  event_type: EventTypeNameSchema.refine((t) => !isPlatformEventType(t), "is a platform event type: only Switchyard publishes it; choose a type of your own"),
});

export const ActionInputSchema = z
  .discriminatedUnion("type", [AgentNotifyActionSchema, WebhookActionInputSchema, WriteEventActionSchema, EmitEventActionSchema])
  .openapi("TriggerActionInput", {
    description: "`agent_notify` (an inbox notification), `webhook` (a signed POST), `write_event` (an audit entry) or `emit_event` (an event of `event_type` that workflows may subscribe to).",
  });

/** An action as stored and shown: a webhook's secret is replaced by the fact that one is set. */
export const ActionSchema = z
  .discriminatedUnion("type", [
    AgentNotifyActionSchema,
    z.object({ type: z.literal("webhook"), url: z.string(), secret_set: z.boolean() }),
    WriteEventActionSchema,
    EmitEventActionSchema,
  ])
  .openapi("TriggerAction");

export const CreateTriggerSchema = z
  .strictObject({
    name: NameSchema,
    concept: ConceptSchema,
    threshold: ThresholdSchema,
    action: ActionInputSchema,
    description: z.string().max(1000).nullable().optional(),
    cooldown_seconds: CooldownSchema.default(0),
    namespaces: NamespacesSchema.nullable().optional(),
    enabled: z.boolean().default(true),
  })
  .openapi("CreateTrigger");

export const UpdateTriggerSchema = z
  .strictObject({
    name: NameSchema.optional(),
    concept: ConceptSchema.optional(),
    threshold: ThresholdSchema.optional(),
    action: ActionInputSchema.optional(),
    description: z.string().max(1000).nullable().optional(),
    cooldown_seconds: CooldownSchema.optional(),
    namespaces: NamespacesSchema.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("UpdateTrigger");

export const TriggerSchema = z
  .object({
    trigger_id: z.string().openapi({ example: "trg_01jd2k3m4n5p6q7r8s9t0v1w2x" }),
    name: z.string(),
    description: z.string().nullable(),
    concept: z.string(),
    threshold: z.number(),
    action: ActionSchema,
    cooldown_seconds: z.number().int(),
    namespaces: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    created_by: z.string(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    last_fired_at: TimestampSchema.nullable(),
  })
  .openapi("Trigger");

export const TriggerListSchema = listOf(TriggerSchema, "TriggerList");

export const TestTriggerSchema = z
  .strictObject({
    content: z
      .string()
      .refine((s) => s.trim().length > 0, "content must not be empty")
      .refine((s) => utf8Bytes(s) <= MAX_CONTENT_BYTES, `content must be at most ${MAX_CONTENT_BYTES} bytes`),
  })
  .openapi("TestTrigger");

export const TestResultSchema = z
  .object({ matched: z.boolean(), score: z.number(), threshold: z.number(), trigger_name: z.string() })
  .openapi("TriggerTestResult");

export const DeletedTriggerSchema = z.object({ trigger_id: z.string(), deleted: z.literal(true) }).openapi("DeletedTrigger");

export const NotificationSchema = z
  .object({
    notification_id: z.string(),
    trigger_id: z.string(),
    trigger_name: z.string(),
    source_memory_id: z.string(),
    agent_id: z.string().openapi({ description: "The namespace the memory was stored in." }),
    score: z.number(),
    created_at: TimestampSchema,
  })
  .openapi("Notification");

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed", "dead"] as const;

export const DeliverySchema = z
  .object({
    delivery_id: z.string(),
    notification_id: z.string(),
    trigger_id: z.string(),
    url: z.string(),
    status: z.enum(DELIVERY_STATUSES).openapi({ description: "`pending` (queued), `failed` (retrying), `succeeded`, `dead` (no attempts left; replayable)." }),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .openapi("WebhookDelivery");

export const DeliveryListSchema = listOf(DeliverySchema, "WebhookDeliveryList");
export const DeliveryListQuerySchema = ListQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional(), trigger_id: z.string().max(64).optional() });

export type CreateTrigger = z.infer<typeof CreateTriggerSchema>;
export type UpdateTrigger = z.infer<typeof UpdateTriggerSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type TriggerAction = z.infer<typeof ActionSchema>;
export type TriggerActionInput = z.infer<typeof ActionInputSchema>;
export type Notification = z.infer<typeof NotificationSchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
