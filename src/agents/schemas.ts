import { z } from "@hono/zod-openapi";
import { AgentIdSchema, JsonValueSchema, TimestampSchema, listOf } from "../http/openapi";

export const RoleSchema = z.enum(["agent", "reader", "admin"]).openapi({
  description: "`agent` reads and writes the data layer; `reader` only reads (a supervisor); `admin` manages everything.",
});

const AttributesSchema = z
  .record(z.string(), JsonValueSchema)
  .refine((v) => JSON.stringify(v).length <= 16_384, "attributes must be at most 16 KiB of JSON")
  .openapi({ description: "Free JSON for policies.", example: { team: "finance", writer: true } });

const DescriptionSchema = z.string().max(1000);

export const CreateAgentSchema = z
  .strictObject({
    agent_id: AgentIdSchema,
    role: RoleSchema.default("agent"),
    attributes: AttributesSchema.default({}),
    description: DescriptionSchema.nullable().optional(),
  })
  .openapi("CreateAgent");

export const UpdateAgentSchema = z
  .strictObject({
    role: RoleSchema.optional(),
    attributes: AttributesSchema.optional(),
    description: DescriptionSchema.nullable().optional(),
  })
  .openapi("UpdateAgent");

export const AgentSchema = z
  .object({
    agent_id: z.string(),
    role: RoleSchema,
    attributes: z.record(z.string(), JsonValueSchema),
    description: z.string().nullable(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .openapi("Agent");

export const AgentListSchema = listOf(AgentSchema, "AgentList");

export const IssuedKeySchema = z
  .object({
    key_id: z.string().openapi({ example: "key_01jd2k3m4n5p6q7r8s9t0v1w2x" }),
    agent_id: z.string(),
    api_key: z.string().openapi({ description: "Shown only in this response; only its hash is stored." }),
    created_at: TimestampSchema,
  })
  .openapi("IssuedKey");

export const KeySchema = z
  .object({ key_id: z.string(), agent_id: z.string(), created_at: TimestampSchema, revoked_at: TimestampSchema.nullable() })
  .openapi("Key");

export const KeyListSchema = listOf(KeySchema, "KeyList");

export const DeletedAgentSchema = z.object({ agent_id: z.string(), deleted: z.literal(true) }).openapi("DeletedAgent");
export const RevokedKeySchema = z.object({ key_id: z.string(), revoked: z.literal(true) }).openapi("RevokedKey");

export const WhoAmISchema = z
  .object({ agent_id: z.string(), role: RoleSchema, attributes: z.record(z.string(), JsonValueSchema) })
  .openapi("WhoAmI");

export type Agent = z.infer<typeof AgentSchema>;
export type CreateAgent = z.input<typeof CreateAgentSchema>;
export type UpdateAgent = z.input<typeof UpdateAgentSchema>;
export type IssuedKey = z.infer<typeof IssuedKeySchema>;
export type Key = z.infer<typeof KeySchema>;
export type DeletedAgent = z.infer<typeof DeletedAgentSchema>;
export type RevokedKey = z.infer<typeof RevokedKeySchema>;
export type WhoAmI = z.infer<typeof WhoAmISchema>;
