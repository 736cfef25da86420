import { z } from "@hono/zod-openapi";
import { ListQuery, TimestampSchema, listOf } from "../http/openapi";
import { GuardRailsSchema } from "../guard-rails/rules";
import { TriggerSchema } from "../schedules/trigger-schemas";
import { AGGREGATION_STRATEGIES, CONFLICT_POLICIES, type Pattern, type WorkflowDefinition } from "./definition/types";

// The HTTP side of workflows: paths, queries and answers (the request body is the document, described in
// definition/document-schema.ts and parsed by hand, as YAML or JSON).

export const WORKFLOW_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,127}$/;

export const WorkflowNameSchema = z
  .string()
  .regex(WORKFLOW_NAME, "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)")
  .openapi({ example: "quarterly-revenue" });

export const WorkflowPathSchema = z.object({ name: WorkflowNameSchema });

export const GetWorkflowQuery = z.object({
  revision: z.coerce.number().int().min(1).optional().openapi({ description: "An earlier revision (default: the current one)." }),
});

export const DeleteWorkflowQuery = z.object({
  force: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true` cancels the workflow's running runs and deletes it; without it, running runs make the delete 409." }),
});

export const RollbackSchema = z.strictObject({ revision: z.number().int().min(1) }).openapi("WorkflowRollback");

export const DefinitionIssueSchema = z
  .object({
    path: z.string().openapi({ example: "coordination.workers[2].name" }),
    line: z.number().int().nullable().openapi({ description: "1-based, in the YAML as sent; null for JSON." }),
    column: z.number().int().nullable(),
    message: z.string(),
  })
  .openapi("DefinitionIssue");

const ConflictPolicy = z.enum(CONFLICT_POLICIES);
const JsonSchemaObject = z.union([z.boolean(), z.record(z.string(), z.unknown())]);

const NormalisedPatternSchema = z
  .discriminatedUnion("pattern", [
    z.object({
      pattern: z.literal("event-driven"),
      events: z.array(z.object({ type: z.string(), filter: z.string().nullable(), agents: z.array(z.string()) })),
    }),
    z.object({
      pattern: z.literal("message-passing"),
      flow: z.array(z.object({ from: z.string(), to: z.string(), message: z.object({ schema: z.string().nullable() }) })),
    }),
    z.object({
      pattern: z.literal("shared-state"),
      state_store: z.object({
        type: z.literal("key-value"),
        conflict_resolution: ConflictPolicy,
        keys: z.record(z.string(), z.object({ conflict_resolution: ConflictPolicy })),
      }),
      agents: z.array(z.object({ name: z.string(), reads: z.array(z.string()), writes: z.array(z.string()) })),
    }),
    z.object({
      pattern: z.literal("hierarchical"),
      supervisor: z.string(),
      workers: z.array(z.object({ name: z.string(), task: z.string(), branch: z.boolean() })),
      aggregation: z.object({ strategy: z.enum(AGGREGATION_STRATEGIES), timeout_seconds: z.number().int() }),
    }),
  ])
  .openapi("CoordinationPattern");

export const WorkflowSchema = z
  .object({
    name: z.string(),
    revision: z.number().int(),
    description: z.string().nullable(),
    agents: z
      .array(z.object({ name: z.string(), version: z.string() }))
      .openapi({ description: "Every agent the workflow uses, as referenced (a run resolves them when it starts); unlisted ones as `latest`." }),
    coordination: z.array(NormalisedPatternSchema).openapi({ description: "Always a list, in the order written." }),
    triggers: z.array(TriggerSchema),
    guard_rails: GuardRailsSchema.nullable(),
    defaults: z.object({ task_timeout_seconds: z.number().int(), retries: z.number().int() }),
    schemas: z.record(z.string(), JsonSchemaObject),
    created_by: z.string().openapi({ description: "The workflow's author: only it (or an admin) changes, rolls back or deletes it." }),
    created_at: TimestampSchema,
    updated_at: TimestampSchema.openapi({ description: "When this revision was made." }),
    warnings: z.array(DefinitionIssueSchema).openapi({ description: "What is legal but likely wrong, kept with the revision." }),
  })
  .openapi("Workflow");

export const WorkflowSummarySchema = z
  .object({
    name: z.string(),
    revision: z.number().int(),
    description: z.string().nullable(),
    created_by: z.string(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .openapi("WorkflowSummary");

export const WorkflowRevisionSchema = z
  .object({
    name: z.string(),
    revision: z.number().int(),
    content_hash: z.string().openapi({ description: "SHA-256 of the normalised definition: equal definitions have equal hashes." }),
    rollback_of: z.number().int().nullable().openapi({ description: "The revision this one restored, for a rollback." }),
    warnings: z.array(DefinitionIssueSchema),
    created_by: z.string(),
    created_at: TimestampSchema,
  })
  .openapi("WorkflowRevision");

export const DeletedWorkflowSchema = z
  .object({ name: z.string(), deleted: z.literal(true), cancelled_runs: z.array(z.string()) })
  .openapi("DeletedWorkflow");

export const WorkflowListSchema = listOf(WorkflowSummarySchema, "WorkflowList");
export const WorkflowRevisionListSchema = listOf(WorkflowRevisionSchema, "WorkflowRevisionList");
export const WorkflowListQuery = ListQuery;

export type Workflow = z.infer<typeof WorkflowSchema>;
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;
export type WorkflowRevision = z.infer<typeof WorkflowRevisionSchema>;

// The answer's coordination is the stored definition's: the two descriptions must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const patternsAgree: Same<z.infer<typeof NormalisedPatternSchema>, Pattern> = true;
const definitionFits: WorkflowDefinition["coordination"] extends Workflow["coordination"] ? true : false = true;
void patternsAgree;
void definitionFits;
