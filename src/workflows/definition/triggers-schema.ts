import { z } from "@hono/zod-openapi";

// A workflow's lifecycle triggers (api-v1-coordination.md, "Lifecycle triggers"), accepted by their
// `type` only for now: the lifecycle-triggers issue checks each type's fields (cron, time zone, polling
// SQL, webhook path and auth) and replaces this file with its schema when it does.

export const TRIGGER_TYPES = ["schedule", "polling", "event", "webhook"] as const;

export const TriggerSchema = z
  .object({ type: z.enum(TRIGGER_TYPES) })
  .loose()
  .openapi("WorkflowTrigger", {
    description: "`schedule` (cron, timezone), `polling` (interval_seconds, backoff, condition), `event` (event_type, filter) or `webhook` (path, auth).",
    example: { type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York" },
  });

export const TriggersSchema = z.array(TriggerSchema).max(20);

export type Trigger = z.infer<typeof TriggerSchema>;
