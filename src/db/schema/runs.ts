import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---- Workflow runs (migration 0009_runs.sql) ----

/** The registry of runs, mirrored from each run's Durable Object (the truth) for lists and SQL. */
export const runs = sqliteTable(
  "_runs",
  {
    runId: text("run_id").primaryKey(),
    workflow: text("workflow").notNull(),
    revision: integer("revision").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed", "timed_out", "cancelled"] }).notNull(),
    triggerType: text("trigger_type").notNull(),
    trigger: text("trigger").notNull(),
    agents: text("agents").notNull(),
    error: text("error"),
    startedBy: text("started_by").notNull(),
    startedAt: text("started_at").notNull(),
    endedAt: text("ended_at"),
    mode: text("mode", { enum: ["live", "dry"] }).notNull().default("live"),
  },
  (t) => [index("_runs_workflow").on(t.workflow, t.runId), index("_runs_status").on(t.status, t.runId)],
);

/** Every task of every run (each attempt its own row), mirrored by the run; `rev` keeps the newest write. */
export const tasks = sqliteTable(
  "_tasks",
  {
    taskId: text("task_id").primaryKey(),
    runId: text("run_id").notNull(),
    workflow: text("workflow").notNull(),
    agentId: text("agent_id").notNull(),
    version: text("version").notNull(),
    status: text("status", { enum: ["pending", "running", "succeeded", "failed", "timed_out", "cancelled"] }).notNull(),
    attempt: integer("attempt").notNull(),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    completedAt: text("completed_at"),
    deadline: text("deadline").notNull(),
    errorCode: text("error_code"),
    tokensIn: integer("tokens_in"),
    tokensOut: integer("tokens_out"),
    abTestId: text("ab_test_id"),
    abArm: text("ab_arm"),
    rev: integer("rev").notNull().default(0),
    /** The task's thumbs up or down (migration 0011_ab_tests.sql). */
    rating: text("rating", { enum: ["up", "down"] }),
  },
  (t) => [index("_tasks_run").on(t.runId), index("_tasks_workflow_agent").on(t.workflow, t.agentId, t.completedAt)],
);
