import { z } from "@hono/zod-openapi";
import { COT_STEP_TYPES } from "../db/schema";
import { AgentIdSchema, JsonValueSchema, TimestampSchema, queryInteger } from "../http/openapi";

export const MAX_STEP_CONTENT_BYTES = 64 * 1024;
/** Each of input_data, output_data and metadata, measured as the UTF-8 bytes of its JSON text. */
export const MAX_STEP_JSON_BYTES = 64 * 1024;
export const MAX_STEPS_PAGE = 1000;
/** Verification reports at most this many broken links (and says when there were more). */
export const MAX_BROKEN_LINKS = 100;

const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;
const jsonBytes = (v: unknown) => utf8Bytes(JSON.stringify(v));

export const SessionIdSchema = AgentIdSchema.openapi({
  description: "Chosen by the agent that opens the session: 1-128 characters, letters, digits and . _ : -",
  example: "invoice-run-2026-11-21",
});

export const StepTypeSchema = z.enum(COT_STEP_TYPES);

const StepJsonSchema = (what: string) =>
  JsonValueSchema.refine((v) => jsonBytes(v) <= MAX_STEP_JSON_BYTES, `${what} must be at most ${MAX_STEP_JSON_BYTES} bytes of JSON`);

/** A step's own fields, as logged one at a time or in a batch. */
const stepFields = {
  step_type: StepTypeSchema,
  content: z
    .string()
    .refine((s) => s.trim().length > 0, "content must not be empty")
    .refine((s) => utf8Bytes(s) <= MAX_STEP_CONTENT_BYTES, `content must be at most ${MAX_STEP_CONTENT_BYTES} bytes (64 KiB)`),
  input_data: StepJsonSchema("input_data").optional(),
  output_data: StepJsonSchema("output_data").optional(),
  importance: z.number().min(0).max(1).default(0.5).openapi({ description: "0..1, default 0.5; kept to six decimals (it is hashed that way)." }),
  metadata: z
    .record(z.string(), JsonValueSchema)
    .refine((m) => jsonBytes(m) <= MAX_STEP_JSON_BYTES, `metadata must be at most ${MAX_STEP_JSON_BYTES} bytes of JSON`)
    .optional()
    .openapi({ description: "A JSON object." }),
};

export const LogStepSchema = z.strictObject({ session_id: SessionIdSchema, ...stepFields }).openapi("LogStep");

export const MAX_BATCH_STEPS = 100;

/** The session is the path's (`POST /v1/cot/{session_id}/steps`); the body holds only the steps. */
export const LogStepBatchSchema = z
  .strictObject({
    steps: z.array(z.strictObject(stepFields)).min(1).max(MAX_BATCH_STEPS),
  })
  .openapi("LogStepBatch");

export const LoggedStepSchema = z
  .object({
    session_id: z.string(),
    step_index: z.number().int().openapi({ description: "0 for a session's first step, one more for each next." }),
    hash: z.string().openapi({ description: "Hex SHA-256 of the step's canonical serialisation (docs/cot.md)." }),
    prev_hash: z.string().openapi({ description: "The previous step's hash; 64 zeros for step 0." }),
    logged_at: TimestampSchema,
  })
  .openapi("LoggedStep");

export const LoggedStepBatchSchema = z.object({ items: z.array(LoggedStepSchema) }).openapi("LoggedStepBatch");

export const StepSchema = z
  .object({
    session_id: z.string(),
    step_index: z.number().int(),
    agent_id: z.string(),
    step_type: StepTypeSchema,
    content: z.string(),
    input_data: JsonValueSchema.nullable(),
    output_data: JsonValueSchema.nullable(),
    importance: z.number(),
    metadata: JsonValueSchema.nullable(),
    prev_hash: z.string(),
    hash: z.string(),
    logged_at: TimestampSchema,
  })
  .openapi("Step");

export const StepPageSchema = z
  .object({ steps: z.array(StepSchema), next_cursor: z.string().nullable() })
  .openapi("StepPage");

export const SessionPathSchema = z.object({ session_id: SessionIdSchema });

export const StepPageQuerySchema = z.object({
  limit: queryInteger(1, MAX_STEPS_PAGE).default(100).openapi({ description: `Steps per page, 1-${MAX_STEPS_PAGE} (default 100).` }),
  cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

export const SessionListQuerySchema = z.object({
  agent_id: AgentIdSchema.optional().openapi({ description: "Only sessions this agent opened." }),
  since: z.iso
    .datetime()
    .optional()
    .openapi({ description: "Only sessions with a step logged at or after this time (ISO-8601): the active ones." }),
  limit: queryInteger(1, 100).default(50),
  cursor: z.string().max(512).optional(),
});

export const SessionSchema = z
  .object({
    session_id: z.string(),
    agent_id: z.string().openapi({ description: "The agent that opened the session; only it appends to it (and admins)." }),
    steps: z.number().int(),
    first_logged_at: TimestampSchema,
    last_logged_at: TimestampSchema,
    head_hash: z.string().openapi({ description: "The hash of the last step." }),
  })
  .openapi("CotSession");

export const SessionListSchema = z.object({ items: z.array(SessionSchema), next_cursor: z.string().nullable() }).openapi("CotSessionList");

export const BrokenLinkReasonSchema = z
  .enum(["hash_mismatch", "prev_hash_mismatch", "missing", "truncated", "beyond_head", "head_mismatch"])
  .openapi({
    description:
      "hash_mismatch: the step is not what was hashed (edited); prev_hash_mismatch: it does not follow the step before it (reordered or forked); " +
      "missing: this index is absent (removed); truncated: the session recorded more steps than remain; beyond_head: steps past the recorded head; " +
      "head_mismatch: the last step is not the recorded head.",
  });

export const VerificationSchema = z
  .object({
    session_id: z.string(),
    chain_intact: z.boolean(),
    entries_checked: z.number().int(),
    broken_links: z
      .array(z.object({ step_index: z.number().int(), reason: BrokenLinkReasonSchema }))
      .openapi({ description: `In step order; at most ${MAX_BROKEN_LINKS} (see broken_links_truncated).` }),
    broken_links_truncated: z.boolean().openapi({ description: `True when more than ${MAX_BROKEN_LINKS} links were broken.` }),
  })
  .openapi("ChainVerification");

export type LogStep = z.infer<typeof LogStepSchema>;
export type LogStepBatch = z.infer<typeof LogStepBatchSchema>;
export type LoggedStep = z.infer<typeof LoggedStepSchema>;
export type Step = z.infer<typeof StepSchema>;
export type CotSession = z.infer<typeof SessionSchema>;
export type Verification = z.infer<typeof VerificationSchema>;
export type BrokenLinkReason = z.infer<typeof BrokenLinkReasonSchema>;
