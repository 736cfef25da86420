import { z } from "@hono/zod-openapi";
import { AgentIdSchema, JsonValueSchema, NAME_PATTERN } from "../http/openapi";

const ScriptSchema = z
  .strictObject({
    outputs: z.array(JsonValueSchema).min(1).max(1000).optional().openapi({ description: "Answers in order; the last one is repeated." }),
    output: JsonValueSchema.optional().openapi({ description: "The same answer to every task." }),
    fail: z.union([z.boolean(), z.strictObject({ code: z.string().max(128).optional(), message: z.string().max(4000).optional() })]).optional(),
    never_answer: z.boolean().optional().openapi({ description: "Takes its tasks and never answers: deadlines, retries and joins decide." }),
    delay_seconds: z.number().min(0).max(30 * 24 * 3600).optional().openapi({ description: "Virtual seconds before each answer (default 1): no wall time passes." }),
    state: z.record(z.string().min(1).max(256), JsonValueSchema).optional().openapi({ description: "Shared-state keys written with each completion." }),
    usage: z.strictObject({ tokens_in: z.number().int().min(0), tokens_out: z.number().int().min(0) }).optional(),
  })
  .openapi("DryRunScript");

export const DryRunEventSchema = z
  .strictObject({
    type: z.string().min(1).max(256),
    data: z.record(z.string(), JsonValueSchema),
    source: z.string().max(256).optional(),
    event_id: z.string().max(256).optional(),
    time: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi("DryRunEvent");

export const DryRunRequestSchema = z
  .strictObject({
    workflow: z.string().regex(NAME_PATTERN).optional().openapi({ description: "A saved workflow to test (its current revision, or `revision`)." }),
    revision: z.number().int().min(1).optional(),
    definition: z
      .union([z.string().min(1), z.record(z.string(), JsonValueSchema)])
      .optional()
      .openapi({ description: "An unsaved definition, as YAML text or as the JSON document: a change tested before it is PUT." }),
    input: JsonValueSchema.optional(),
    event: DryRunEventSchema.optional().openapi({ description: "For event-driven definitions: the event the run starts from, matched as a real one would be." }),
    agents: z.record(AgentIdSchema, ScriptSchema).default({}).openapi({ description: "How each agent answers, by name; an agent without a script answers null." }),
  })
  .refine((r) => (r.workflow === undefined) !== (r.definition === undefined), { message: "send exactly one of `workflow` (a saved one) or `definition` (an unsaved one)", path: ["workflow"] })
  .refine((r) => r.revision === undefined || r.workflow !== undefined, { message: "`revision` goes with `workflow`", path: ["revision"] })
  .openapi("DryRunRequest");

export type DryRunRequest = z.infer<typeof DryRunRequestSchema>;

export const DryRunIdPathSchema = z.object({ dry_run_id: z.string().regex(/^dry_[0-9a-z]{26}$/, "is not a dry run id (dry_…)") });

const Finding = z
  .object({
    kind: z.string(),
    severity: z.enum(["error", "warning", "info"]),
    message: z.string(),
    agent: z.string().optional(),
    keys: z.array(z.string()).optional(),
    edge: z.object({ from: z.string(), to: z.string(), schema: z.string().nullable() }).optional(),
    schema: z.string().optional(),
    filter: z.string().optional(),
    details: z.unknown().optional(),
  })
  .openapi("DryRunFinding");

export const DryRunSchema = z
  .object({
    dry_run_id: z.string(),
    workflow: z.string(),
    revision: z.number().int().nullable(),
    status: z.enum(["running", "succeeded", "failed", "timed_out", "cancelled"]),
    output: JsonValueSchema.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()).nullable(),
    agents: z.record(z.string(), z.string()),
    tasks: z.array(z.unknown()),
    messages: z.array(z.unknown()),
    state: z.record(z.string(), z.unknown()),
    trace: z.array(z.unknown()),
    findings: z.array(Finding),
    virtual_duration_ms: z.number(),
    created_by: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
  })
  .openapi("DryRun");
