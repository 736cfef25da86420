import { z } from "@hono/zod-openapi";
import { NAME_PATTERN, TimestampSchema, listOf } from "../http/openapi";
import { MAX_CONDITION_LENGTH } from "./cel-condition";
import { policyIssues } from "./validate-policy";

const PolicyIdSchema = z
  .string()
  .regex(NAME_PATTERN, "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)")
  .openapi({ example: "only-agent-a-writes-kb" });

const Pattern = z.string().min(1).max(256);

export const CreatePolicySchema = z
  .strictObject({
    policy_id: PolicyIdSchema.optional().openapi({ description: "Chosen by the caller, or made up (`pol_…`)." }),
    description: z.string().max(1000).nullable().optional(),
    effect: z.enum(["allow", "deny"]),
    actions: z.array(Pattern).min(1).max(32).openapi({
      description: "Actions or globs over them (`memory:*`, `*:read`); each must name at least one known action.",
      example: ["memory:write"],
    }),
    resources: z.array(Pattern).min(1).max(64).openapi({
      description: "`<type>:<name>` with globs (`memory:shared-*`, `state:*`, `*`). Types: memory, table, branch, state, inbox, cot, trigger, agent, policy.",
      example: ["memory:shared-knowledge-base"],
    }),
    principals: z.array(Pattern).min(1).max(256).nullable().optional().openapi({
      description: "Agent ids and `role:<agent|reader|admin>`; absent or null: every agent.",
    }),
    condition: z.string().min(1).max(MAX_CONDITION_LENGTH).nullable().optional().openapi({
      description: "A CEL expression over `subject` (agent_id, role, attributes), `resource` (type, id), `action` and `context` (now, request_id).",
      example: 'subject.agent_id != "agent-a"',
    }),
  })
  .superRefine((policy, ctx) => {
    const issues = policyIssues({
      actions: policy.actions,
      resources: policy.resources,
      principals: policy.principals ?? null,
      condition: policy.condition ?? null,
    });
    for (const issue of issues) ctx.addIssue({ code: "custom", path: pathOf(issue.path), message: issue.message });
  })
  .openapi("CreatePolicy");

/** `actions[2]` → ["actions", 2], so the error handler names the field as users write it. */
const pathOf = (path: string): (string | number)[] => {
  const match = /^(\w+)(?:\[(\d+)\])?$/.exec(path);
  if (!match) return [path];
  return match[2] === undefined ? [match[1]!] : [match[1]!, Number(match[2])];
};

export const PolicySchema = z
  .object({
    policy_id: z.string(),
    description: z.string().nullable(),
    effect: z.enum(["allow", "deny"]),
    actions: z.array(z.string()),
    resources: z.array(z.string()),
    principals: z.array(z.string()).nullable(),
    condition: z.string().nullable(),
    created_by: z.string(),
    created_at: TimestampSchema,
  })
  .openapi("Policy");

export const PolicyListSchema = listOf(PolicySchema, "PolicyList");

export const PolicyPathSchema = z.object({ policy_id: PolicyIdSchema });

export const DeletedPolicySchema = z.object({ policy_id: z.string(), deleted: z.literal(true) }).openapi("DeletedPolicy");

export type CreatePolicy = z.infer<typeof CreatePolicySchema>;
export type Policy = z.infer<typeof PolicySchema>;
