import { z } from "@hono/zod-openapi";
import { INBOX_LIMITS } from "../../durable-objects/agent/inbox-types";
import { AgentIdSchema, JsonValueSchema, TimestampSchema, listOf, queryInteger } from "../http/openapi";

export const InboxPathSchema = z.object({ agent_id: AgentIdSchema });

const LeaseSeconds = queryInteger(1, INBOX_LIMITS.maxLeaseSeconds)
  .optional()
  .openapi({ description: `Lease the items for this many seconds (1-${INBOX_LIMITS.maxLeaseSeconds}) instead of delivering them: unless acked, they come back once it runs out.` });

export const PollQuerySchema = z.object({
  limit: queryInteger(1, INBOX_LIMITS.maxPollItems)
    .default(10)
    .openapi({ description: `At most this many items, 1-${INBOX_LIMITS.maxPollItems} (default 10).` }),
  wait_seconds: queryInteger(0, INBOX_LIMITS.maxWaitSeconds)
    .default(0)
    .openapi({ description: `Long poll: with nothing to return, hold the request up to this many seconds (0-${INBOX_LIMITS.maxWaitSeconds}) until an item arrives.` }),
  lease_seconds: LeaseSeconds,
  kind: z
    .enum(["notification", "message", "task"])
    .optional()
    .openapi({ description: "Only items of this kind; others stay in the inbox for another poll (a worker loop asks for `task`)." }),
});

export const ConnectQuerySchema = z.object({
  lease_seconds: LeaseSeconds,
  api_key: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: "The caller's key, for WebSocket clients that can set no header; prefer the `Sec-WebSocket-Protocol` form, which keeps keys out of URLs and logs." }),
});

const ItemId = z.string().min(1).max(64);

export const AckSchema = z
  .strictObject({ item_ids: z.array(ItemId).min(1).max(INBOX_LIMITS.maxPollItems).openapi({ description: "Ids of leased items to mark delivered (1-100)." }) })
  .openapi("InboxAck");

export const AckResultSchema = z
  .object({
    acked: z.array(z.string()).openapi({ description: "Leased items that are now delivered." }),
    unknown: z.array(z.string()).openapi({ description: "Ids that are no leased item of this inbox: unknown, already acked or delivered, or never handed out." }),
  })
  .openapi("InboxAckResult");

export const MessageTypeSchema = z
  .string()
  .min(1)
  .max(128)
  .openapi({ description: "What kind of message this is, for the receiver to dispatch on (default `message`).", example: "handoff" });

export const SendMessageSchema = z
  .strictObject({
    type: MessageTypeSchema.optional(),
    // No `.openapi({...})` here: on a recursive schema it would rewrite the shared JsonValue component.
    body: JsonValueSchema,
  })
  .openapi("SendInboxMessage");

/** Messages a batch send carries at most. */
export const MAX_BATCH_MESSAGES = 100;

export const SendMessageBatchSchema = z
  .strictObject({
    messages: z
      .array(SendMessageSchema)
      .min(1)
      .max(MAX_BATCH_MESSAGES)
      .openapi({ description: `1-${MAX_BATCH_MESSAGES} messages, delivered in this order.` }),
  })
  .openapi("SendInboxMessageBatch");

const envelope = {
  item_id: z.string().openapi({ example: "msg_01jd3k5b8q0c7m2x4v6n9p1r3t" }),
  created_at: TimestampSchema,
  lease_expires_at: TimestampSchema.optional().openapi({ description: "On items handed out under a lease: when they come back unless acked." }),
  delivered_at: TimestampSchema.optional().openapi({ description: "On history items: when the item was delivered." }),
};

export const NotificationItemSchema = z
  .object({
    ...envelope,
    kind: z.literal("notification"),
    notification_id: z.string(),
    trigger_id: z.string(),
    trigger_name: z.string(),
    source_memory_id: z.string(),
    agent_id: z.string().openapi({ description: "The namespace the source memory was stored in." }),
    score: z.number(),
  })
  .openapi("InboxNotification");

export const MessageItemSchema = z
  .object({ ...envelope, kind: z.literal("message"), from_agent_id: z.string(), type: z.string(), body: JsonValueSchema })
  .openapi("InboxMessage");

export const MessageBatchSchema = z
  .object({ items: z.array(MessageItemSchema).openapi({ description: "The messages as delivered, in the order sent." }) })
  .openapi("InboxMessageBatch");

export const TaskItemSchema = z
  .object({
    ...envelope,
    kind: z.literal("task"),
    task_id: z.string().openapi({ description: "The task; also this item's `item_id`." }),
    run_id: z.string(),
    workflow: z.string(),
    agent_id: z.string(),
    version: z.string().openapi({ description: "The agent version the run pinned for this task." }),
    input: JsonValueSchema,
    attempt: z.number().int().openapi({ description: "1 for the first attempt; a retry after a missed deadline is a new task with attempt + 1." }),
    deadline: TimestampSchema.openapi({ description: "Complete (or heartbeat) before this, or the task is retried or timed out." }),
    ab: z.object({ ab_test_id: z.string(), arm: z.enum(["a", "b"]) }).optional().openapi({ description: "The A/B test arm that chose `version`." }),
  })
  .openapi("InboxTask");

export const InboxItemSchema = z.discriminatedUnion("kind", [NotificationItemSchema, MessageItemSchema, TaskItemSchema]).openapi("InboxItem");

export const InboxItemsSchema = z.object({ items: z.array(InboxItemSchema) }).openapi("InboxItems");
export const InboxHistorySchema = listOf(InboxItemSchema, "InboxHistory");
