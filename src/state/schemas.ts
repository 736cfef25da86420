import { z } from "@hono/zod-openapi";
import { AgentIdSchema, JsonValueSchema, TimestampSchema, listOf, queryInteger } from "../http/openapi";

/** Values are any JSON up to 1 MiB, measured as the UTF-8 bytes of their JSON text. */
export const MAX_STATE_VALUE_BYTES = 1024 * 1024;

export const StateKeySchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,255}$/, "must be 1-256 characters: letters, digits and . _ : - (starting with a letter or digit)")
  .openapi({ example: "phase1_output" });

export const StatePathSchema = z.object({ agent_id: AgentIdSchema, key: StateKeySchema });
export const StateAgentPathSchema = z.object({ agent_id: AgentIdSchema });

export const PutStateSchema = z
  .strictObject({
    // No `.openapi({...})` here: on a recursive schema it would rewrite the shared JsonValue component.
    value: JsonValueSchema,
    expected_version: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({ description: "Write only if the key is at this version (0: only if unset); otherwise 409." }),
  })
  .openapi("PutState");

export const DeleteStateQuerySchema = z.object({
  expected_version: queryInteger(1).optional(),
});

export const StateEntrySchema = z
  .object({
    agent_id: z.string(),
    key: z.string(),
    value: JsonValueSchema,
    version: z.number().int(),
    updated_at: TimestampSchema,
    updated_by: z.string().openapi({ description: "Who wrote this version: the agent itself or an admin." }),
  })
  .openapi("StateEntry");

export const StateKeySummarySchema = z
  .object({ key: z.string(), version: z.number().int(), updated_at: TimestampSchema, size_bytes: z.number().int() })
  .openapi("StateKeySummary");

export const StateKeyListSchema = listOf(StateKeySummarySchema, "StateKeyList");

export const DeletedStateSchema = z
  .object({ agent_id: z.string(), key: z.string(), deleted: z.literal(true) })
  .openapi("DeletedState");

export type StateEntry = z.infer<typeof StateEntrySchema>;
export type StateKeySummary = z.infer<typeof StateKeySummarySchema>;
