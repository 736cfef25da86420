import { z } from "@hono/zod-openapi";
import { AgentIdSchema, JsonValueSchema, ListQuery, NAME_PATTERN, TimestampSchema, listOf } from "../http/openapi";

// Runs and tasks at the HTTP boundary (api-v1-coordination.md, "Runs and tasks").

const RUN_STATUSES = ["running", "succeeded", "failed", "timed_out", "cancelled"] as const;
const TASK_STATUSES = ["pending", "running", "succeeded", "failed", "timed_out", "cancelled"] as const;

export const RunIdPathSchema = z.object({ run_id: z.string().regex(/^run_[0-9a-z]{26}$/, "is not a run id (run_…)").openapi({ example: "run_01jd3k5b8q0c7m2x4v6n9p1r3t" }) });
export const TaskIdPathSchema = z.object({ task_id: z.string().regex(/^tsk_[0-9a-z]{30}$/, "is not a task id (tsk_…)").openapi({ example: "tsk_01jd3k5b8q0c7m2x4v6n9p1r3t0001" }) });
export const WorkflowNamePathSchema = z.object({ name: z.string().regex(NAME_PATTERN, "is not a workflow name").openapi({ example: "quarterly-revenue" }) });

export const StartRunSchema = z
  .strictObject({ input: JsonValueSchema.optional() })
  .openapi("StartRun", { description: "`input` is what agents that start the run receive (default null)." });

const ErrorInfoSchema = z
  .object({ code: z.string(), message: z.string() })
  .catchall(z.unknown())
  .openapi("RunError", { description: "What went wrong: a code to dispatch on and a message for people; more fields by code." });

const UsageSchema = z
  .strictObject({ tokens_in: z.number().int().min(0).max(1e12), tokens_out: z.number().int().min(0).max(1e12) })
  .openapi("TaskUsage");

export const CompleteTaskSchema = z
  .strictObject({
    output: JsonValueSchema.optional(),
    status: z.enum(["succeeded", "failed"]).optional().openapi({ description: "Default `succeeded`." }),
    error: z
      .object({ code: z.string().min(1).max(128).optional(), message: z.string().max(4000).optional() })
      .catchall(JsonValueSchema)
      .optional()
      .openapi({ description: "With `status: failed`: what went wrong." }),
    usage: UsageSchema.optional(),
    state: z.record(z.string().min(1).max(256), JsonValueSchema).optional().openapi({ description: "Shared-state keys written atomically with the completion." }),
  })
  .openapi("CompleteTask");

export const HeartbeatSchema = z.strictObject({ progress: JsonValueSchema.optional() }).openapi("TaskHeartbeat");

export const FeedbackSchema = z
  .strictObject({ rating: z.enum(["up", "down"]), comment: z.string().max(4000).optional() })
  .openapi("TaskFeedback");

export const SendRunMessageSchema = z
  .strictObject({
    to: AgentIdSchema.optional().openapi({ description: "The recipient; without it, along every outgoing edge with this schema." }),
    schema: z.string().min(1).max(128),
    body: JsonValueSchema,
  })
  .openapi("SendRunMessage");

export const DelegateSchema = z
  .strictObject({ worker: AgentIdSchema, input: JsonValueSchema.optional() })
  .openapi("Delegate", { description: "Work for one of the run's workers (the supervisor alone delegates)." });

export const CancelRunSchema = z.strictObject({ reason: z.string().max(1000).optional() }).openapi("CancelRun");

export const TaskSchema = z
  .object({
    task_id: z.string(),
    run_id: z.string(),
    workflow: z.string(),
    agent_id: z.string(),
    version: z.string(),
    status: z.enum(TASK_STATUSES),
    input: JsonValueSchema,
    output: JsonValueSchema.nullable(),
    error: ErrorInfoSchema.nullable(),
    attempt: z.number().int(),
    usage: UsageSchema.nullable(),
    created_at: TimestampSchema,
    started_at: TimestampSchema.nullable(),
    completed_at: TimestampSchema.nullable(),
    deadline: TimestampSchema,
    ab: z.object({ ab_test_id: z.string(), arm: z.enum(["a", "b"]) }).optional(),
    feedback: z.object({ rating: z.enum(["up", "down"]), comment: z.string().nullable(), at: TimestampSchema }).nullable().optional(),
  })
  .openapi("Task");

const TriggerSchema = z
  .object({ type: z.string() })
  .catchall(z.unknown())
  .openapi("RunTrigger", {
    description:
      "How the run started: `{type: \"manual\"}`, `{type: \"schedule\", scheduled_for}`, `{type: \"event\", event_id}`, " +
      "`{type: \"webhook\", path}` or `{type: \"polling\", poll: {number, polled_at}}`; a lifecycle trigger's record also names its `trigger_id`.",
  });

export const RunSchema = z
  .object({
    run_id: z.string(),
    workflow: z.string(),
    revision: z.number().int(),
    status: z.enum(RUN_STATUSES),
    input: JsonValueSchema,
    output: JsonValueSchema.nullable(),
    error: ErrorInfoSchema.nullable(),
    agents: z.record(z.string(), z.string()).openapi({ description: "The version of each agent, pinned when the run started." }),
    trigger: TriggerSchema,
    tasks: z.array(TaskSchema),
    started_at: TimestampSchema,
    ended_at: TimestampSchema.nullable(),
  })
  .openapi("Run");

export const RunSummarySchema = RunSchema.omit({ input: true, output: true, tasks: true }).openapi("RunSummary");
export const RunListSchema = listOf(RunSummarySchema, "RunList");

export const ListRunsQuerySchema = ListQuery.extend({
  workflow: z.string().regex(NAME_PATTERN).optional(),
  status: z.enum(RUN_STATUSES).optional(),
});

export const RunMessageSchema = z
  .object({
    message_id: z.string(),
    run_id: z.string(),
    from: z.string(),
    to: z.string(),
    schema: z.string().nullable(),
    body: JsonValueSchema,
    sent_at: TimestampSchema,
    from_task_id: z.string().nullable(),
    to_task_id: z.string().nullable(),
  })
  .openapi("RunMessage");

export const RunMessagesSchema = z.object({ items: z.array(RunMessageSchema) }).openapi("RunMessages");

export const StateKeyPathSchema = RunIdPathSchema.extend({ key: z.string().min(1).max(256).openapi({ example: "revenue_by_region" }) });

export const PutRunStateSchema = z
  .strictObject({
    value: JsonValueSchema,
    expected_version: z.number().int().min(0).optional().openapi({ description: "For `version-check` keys: the version read (0 for a new key)." }),
  })
  .openapi("PutRunState");

export const RunStateEntrySchema = z
  .object({ value: JsonValueSchema, version: z.number().int(), written_by: z.string(), updated_at: TimestampSchema })
  .openapi("RunStateEntry");

export const RunStateSchema = z.record(z.string(), RunStateEntrySchema).openapi("RunState", { description: "Each key the caller may read, with its value, version, writer and time." });

export const RunStateHistorySchema = z
  .object({ items: z.array(RunStateEntrySchema.extend({ task_id: z.string().nullable() })) })
  .openapi("RunStateHistory");

export const StateAtQuerySchema = z.object({
  at: z.iso.datetime({ offset: true }).optional().openapi({ description: "The state as it was at this moment (the state inspector)." }),
});
