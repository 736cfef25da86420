import { z } from "@hono/zod-openapi";
import { TimestampSchema } from "../http/openapi";
import { piiRuleSchema } from "./pii";
import { type GuardRails, GuardRailsSchema, LIMIT_RULES } from "./rules";

// The deployment's guard rails over HTTP (`GET|PUT /v1/guard-rails`): the rules themselves, flat, as a
// workflow or a version writes them, every rule present (null: not set) with when and by whom they were set.

const limits = GuardRailsSchema.shape;

export const DeploymentGuardRailsSchema = z
  .object({
    max_run_seconds: limits.max_run_seconds.unwrap().nullable(),
    max_tasks_per_run: limits.max_tasks_per_run.unwrap().nullable(),
    max_tokens_per_task: limits.max_tokens_per_task.unwrap().nullable(),
    max_message_bytes: limits.max_message_bytes.unwrap().nullable(),
    requests_per_minute: limits.requests_per_minute.unwrap().nullable(),
    pii: piiRuleSchema.nullable(),
    updated_at: TimestampSchema.nullable().openapi({ description: "When an admin last set them; null if never." }),
    updated_by: z.string().nullable(),
  })
  .openapi("DeploymentGuardRails", {
    description: "The guard rails every agent is held to, on every path it writes through; null where a rule is not set.",
  });

/**
 * The body of a PUT: the whole rule set, replacing the previous one (a rule left out or null is no longer
 * set; `{}` clears them all). `updated_at` and `updated_by` are read-only and ignored, so what a GET
 * answered can be changed and sent back as is.
 */
export const PutDeploymentGuardRailsSchema = z
  .strictObject({
    max_run_seconds: limits.max_run_seconds.unwrap().nullable().optional(),
    max_tasks_per_run: limits.max_tasks_per_run.unwrap().nullable().optional(),
    max_tokens_per_task: limits.max_tokens_per_task.unwrap().nullable().optional(),
    max_message_bytes: limits.max_message_bytes.unwrap().nullable().optional(),
    requests_per_minute: limits.requests_per_minute.unwrap().nullable().optional(),
    pii: piiRuleSchema.nullable().optional(),
    updated_at: z.string().nullable().optional().openapi({ description: "Read-only; ignored." }),
    updated_by: z.string().nullable().optional().openapi({ description: "Read-only; ignored." }),
  })
  .openapi("PutDeploymentGuardRails", {
    example: { requests_per_minute: 600, max_message_bytes: 65536, pii: { detect: ["email", "phone", "credit_card", "ssn"], mode: "redact" } },
  });

export type PutDeploymentGuardRails = z.infer<typeof PutDeploymentGuardRailsSchema>;

/** The rules a PUT sets: the nulls and the read-only fields dropped. */
export function rulesOfPut(body: PutDeploymentGuardRails): GuardRails {
  const rules: GuardRails = {};
  for (const rule of LIMIT_RULES) {
    const value = body[rule];
    if (value !== null && value !== undefined) rules[rule] = value;
  }
  if (body.pii) rules.pii = { detect: [...new Set(body.pii.detect)], mode: body.pii.mode };
  return rules;
}

/** The answer of GET and PUT: every rule, null where unset. */
export function deploymentJson(entry: { rules: GuardRails; updated_at: string | null; updated_by: string | null }): z.infer<typeof DeploymentGuardRailsSchema> {
  const r = entry.rules;
  return {
    max_run_seconds: r.max_run_seconds ?? null,
    max_tasks_per_run: r.max_tasks_per_run ?? null,
    max_tokens_per_task: r.max_tokens_per_task ?? null,
    max_message_bytes: r.max_message_bytes ?? null,
    requests_per_minute: r.requests_per_minute ?? null,
    pii: r.pii ?? null,
    updated_at: entry.updated_at,
    updated_by: entry.updated_by,
  };
}
