import { z } from "@hono/zod-openapi";
import { AgentIdSchema, JsonValueSchema, ListQuery, TimestampSchema, listOf } from "../http/openapi";
import { GuardRailsSchema } from "../guard-rails/rules";
import { MAX_VERSION_LENGTH } from "./references";

export const VersionStringSchema = z
  .string()
  .min(1)
  .max(MAX_VERSION_LENGTH)
  .openapi({ description: "A semver 2.0 version, e.g. `1.3.0` or `1.3.0-beta`.", example: "1.2.0" });

/** A JSON Schema: an object or a boolean. */
const JsonSchemaValue = z
  .union([z.boolean(), z.record(z.string(), JsonValueSchema)])
  .openapi("JsonSchema", { description: "A JSON Schema (draft 2020-12 unless `$schema` says otherwise).", example: { type: "object" } });

export const PublishVersionSchema = z
  .strictObject({
    version: VersionStringSchema,
    description: z.string().max(2000).nullable().optional(),
    endpoint: z
      .string()
      .max(2048)
      .nullable()
      .optional()
      .openapi({ description: "Where tasks are POSTed instead of the agent's inbox: an https URL to a public address.", example: "https://agents.example.com/revenue" }),
    config: JsonValueSchema.optional(),
    input_schema: JsonSchemaValue.nullable().optional(),
    output_schema: JsonSchemaValue.nullable().optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
    guard_rails: GuardRailsSchema.nullable().optional(),
  })
  .openapi("PublishVersion");

export const AgentVersionSchema = z
  .object({
    agent_id: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    endpoint: z.string().nullable(),
    config: JsonValueSchema,
    input_schema: JsonSchemaValue.nullable(),
    output_schema: JsonSchemaValue.nullable(),
    tags: z.array(z.string()),
    guard_rails: GuardRailsSchema.nullable(),
    deprecated: z.boolean(),
    deprecated_at: TimestampSchema.nullable(),
    deprecation_reason: z.string().nullable(),
    promoted: z.boolean().openapi({ description: "Whether `latest` names this version (while it is not deprecated)." }),
    published_at: TimestampSchema,
    published_by: z.string(),
  })
  .openapi("AgentVersion");

export const AgentVersionListSchema = listOf(AgentVersionSchema, "AgentVersionList");

export const DeprecateVersionSchema = z
  .strictObject({ reason: z.string().max(1000).optional() })
  .openapi("DeprecateVersion");

export const VersionsPathSchema = z.object({ agent_id: AgentIdSchema });
export const VersionPathSchema = z.object({ agent_id: AgentIdSchema, version: VersionStringSchema });
export const ListVersionsQuery = ListQuery;
export const ResolveQuery = z.object({
  ref: z.string().min(1).max(MAX_VERSION_LENGTH).openapi({ description: "An exact version, `latest`, or a semver range (`^1.2`, `~1.3.0`, `>=1.2 <2`).", example: "^1.2" }),
});

export const ResolvedReferenceSchema = z
  .object({
    agent_id: z.string(),
    ref: z.string(),
    version: z.string(),
    pinned: z.boolean().openapi({ description: "Whether `ref` is an exact version (a pin) rather than `latest` or a range." }),
    deprecated: z.boolean(),
  })
  .openapi("ResolvedReference");

export type PublishVersion = z.infer<typeof PublishVersionSchema>;
export type AgentVersion = z.infer<typeof AgentVersionSchema>;
