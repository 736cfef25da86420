import { z } from "@hono/zod-openapi";
import { JsonValueSchema } from "../../http/openapi";
import { GuardRailsSchema } from "../../guard-rails/rules";
import { TriggersSchema } from "../../schedules/trigger-schemas";
import { AGGREGATION_STRATEGIES, CONFLICT_POLICIES } from "./types";

// The workflow document as users write it (the seed's blocks, combined), every object strict so that an
// unknown or misspelt field is a 400 naming it. Defaults are applied in normalise.ts, not here, so the
// schema also documents the document exactly as written.

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,127}$/;
const NAME_HINT = "1-128 characters: letters, digits and . _ : - (starting with a letter or digit)";

export const AgentNameSchema = z.string().regex(NAME, `must be an agent id: ${NAME_HINT}`);

/** `name` or `name@ref` (`revenue-analyst@1.2.0`, `cost-analyzer@latest`, `x@^1.2`). */
export const AgentUseSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,127}(@.{1,256})?$/, `must be an agent id, optionally with @version (${NAME_HINT})`)
  .openapi({ example: "revenue-analyst@1.2.0" });

const VersionRefSchema = z
  .string({ error: 'must be a string: quote versions in YAML, as version: "1.2.0"' })
  .min(1)
  .max(256)
  .openapi({ description: "An exact version (pinned), `latest`, or a semver range.", example: "1.2.0" });

export const AgentEntrySchema = z.union([AgentUseSchema, z.strictObject({ name: AgentNameSchema, version: VersionRefSchema.optional() })], {
  error: "must be {name, version} or a 'name@version' string",
});

const StateKeySchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,255}$/, "must be a state key: 1-256 letters, digits and . _ : - (starting with a letter or digit)");
const ConflictPolicySchema = z.enum(CONFLICT_POLICIES);
const SchemaNameSchema = z.string({ error: "must be the name of a schema under `schemas:` (define the schema there)" }).regex(NAME, `must be a schema name: ${NAME_HINT}`);
const EventTypeSchema = z.string().regex(NAME, `must be an event type: ${NAME_HINT}`);
const seconds = z.number().int().min(1).max(7 * 24 * 3600);

const EventDrivenSchema = z.strictObject({
  pattern: z.literal("event-driven"),
  events: z
    .array(
      z.strictObject({
        type: EventTypeSchema,
        filter: z.string().max(4096).nullable().optional(),
        agents: z.array(AgentUseSchema).min(1).max(100),
      }),
    )
    .min(1)
    .max(100),
});

const MessagePassingSchema = z.strictObject({
  pattern: z.literal("message-passing"),
  flow: z
    .array(
      z.strictObject({
        from: AgentUseSchema,
        to: AgentUseSchema,
        message: z.strictObject({ schema: SchemaNameSchema.nullable().optional() }).nullable().optional(),
      }),
    )
    .min(1)
    .max(500),
});

const SharedStateSchema = z.strictObject({
  pattern: z.literal("shared-state"),
  state_store: z
    .strictObject({
      type: z.literal("key-value").optional(),
      conflict_resolution: ConflictPolicySchema.optional(),
      keys: z.record(StateKeySchema, z.strictObject({ conflict_resolution: ConflictPolicySchema })).optional(),
    })
    .optional(),
  agents: z
    .array(
      z.strictObject({
        name: AgentUseSchema,
        reads: z.array(StateKeySchema).max(100).optional(),
        writes: z.array(StateKeySchema).max(100).optional(),
      }),
    )
    .min(1)
    .max(100),
});

const HierarchicalSchema = z.strictObject({
  pattern: z.literal("hierarchical"),
  supervisor: AgentUseSchema,
  workers: z
    .array(z.strictObject({ name: AgentUseSchema, task: z.string().max(10_000), branch: z.boolean().optional() }))
    .min(1)
    .max(100),
  aggregation: z.strictObject({ strategy: z.enum(AGGREGATION_STRATEGIES).optional(), timeout_seconds: seconds.optional() }).optional(),
});

export const PatternSchema = z
  .discriminatedUnion("pattern", [EventDrivenSchema, MessagePassingSchema, SharedStateSchema, HierarchicalSchema], {
    error: "must be one of event-driven, message-passing, shared-state, hierarchical",
  })
  .openapi("WorkflowPattern");

export const WorkflowDocumentSchema = z
  .strictObject({
    description: z.string().max(2000).nullable().optional(),
    agents: z.array(AgentEntrySchema).max(200).optional(),
    defaults: z
      .strictObject({ task_timeout_seconds: seconds.optional(), retries: z.number().int().min(0).max(10).optional() })
      .optional(),
    coordination: z
      .union([PatternSchema, z.array(PatternSchema).max(20)], { error: "must be a pattern (a mapping with `pattern:`) or a list of patterns" })
      .optional(),
    schemas: z
      .record(SchemaNameSchema, z.union([z.boolean(), z.record(z.string(), JsonValueSchema)], { error: "must be a JSON Schema (an object)" }))
      .optional(),
    triggers: TriggersSchema.optional(),
    guard_rails: GuardRailsSchema.nullable().optional(),
  })
  .openapi("WorkflowDocument", {
    description: "A workflow as written in YAML or JSON: the seed's blocks (agents, coordination, schemas, triggers, guard_rails) combined.",
  });

export type WorkflowDocument = z.infer<typeof WorkflowDocumentSchema>;
export type PatternDocument = z.infer<typeof PatternSchema>;
