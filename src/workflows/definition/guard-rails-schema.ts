import { z } from "@hono/zod-openapi";

// Guard rails as a workflow or an agent version declares them (api-v1-coordination.md, "Guard rails").
// Only their shape is checked here: the guard-rails issue enforces them, and replaces this file with its
// own schema when it does. Unknown rule names are refused so that a misspelt limit is not silently ignored.

const positiveInteger = z.number().int().min(1);

export const PII_KINDS = ["email", "phone", "credit_card", "ssn", "ip_address"] as const;

export const GuardRailsSchema = z
  .strictObject({
    max_run_seconds: positiveInteger.optional(),
    max_tasks_per_run: positiveInteger.optional(),
    max_tokens_per_task: positiveInteger.optional(),
    max_message_bytes: positiveInteger.optional(),
    requests_per_minute: positiveInteger.optional(),
    pii: z
      .strictObject({
        detect: z.array(z.enum(PII_KINDS)).min(1),
        mode: z.enum(["redact", "reject"]),
      })
      .optional(),
  })
  .openapi("GuardRails", {
    description: "Limits and PII handling; where several apply (deployment, workflow, agent version) the strictest wins.",
    example: { max_tasks_per_run: 50, pii: { detect: ["email", "ssn"], mode: "redact" } },
  });

export type GuardRails = z.infer<typeof GuardRailsSchema>;
