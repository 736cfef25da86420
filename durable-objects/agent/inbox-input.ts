import { z } from "zod";
import type { InboxItemInput } from "./inbox-types";

/** What `AgentObject.deliver` accepts, checked at the RPC boundary: callers are other modules, not users. */
const NotificationFieldsSchema = z.strictObject({
  notification_id: z.string().min(1),
  trigger_id: z.string().min(1),
  trigger_name: z.string(),
  source_memory_id: z.string().min(1),
  agent_id: z.string().min(1),
  score: z.number(),
  created_at: z.string().min(1),
});

const DedupeKey = z.string().min(1).max(512);

const TaskFieldsSchema = z.strictObject({
  task_id: z.string().min(1),
  run_id: z.string().min(1),
  workflow: z.string().min(1),
  agent_id: z.string().min(1),
  version: z.string().min(1),
  input: z.unknown(),
  attempt: z.number().int().min(1),
  deadline: z.string().min(1),
  created_at: z.string().min(1),
  ab: z.strictObject({ ab_test_id: z.string(), arm: z.enum(["a", "b"]) }).optional(),
});

export const InboxItemInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("notification"), dedupe_key: DedupeKey, notification: NotificationFieldsSchema }),
  z.strictObject({
    kind: z.literal("message"),
    dedupe_key: DedupeKey.optional(),
    from_agent_id: z.string().min(1),
    type: z.string().min(1).max(128),
    body: z.unknown(),
  }),
  z.strictObject({ kind: z.literal("task"), dedupe_key: DedupeKey, task: TaskFieldsSchema }),
]);

/** Parses a delivery, or throws a TypeError that names what was wrong (a caller's bug, not a user's). */
export function parseInboxItemInput(input: unknown): InboxItemInput {
  const parsed = InboxItemInputSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`Invalid inbox delivery: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ")}`);
  return parsed.data as InboxItemInput;
}
