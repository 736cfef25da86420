import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---- Observability (migration 0013_observability.sql) ----
// Written once per finished run by the run itself (an outbox effect: the rows of a run are replaced whole,
// so a repeated write changes nothing). The graph and bottleneck reports add these rows up over a window.

/** One row per finished run: its critical path's length. */
export const runObservations = sqliteTable(
  "_run_observations",
  {
    runId: text("run_id").primaryKey(),
    workflow: text("workflow").notNull(),
    revision: integer("revision").notNull(),
    status: text("status").notNull(),
    startedAt: text("started_at").notNull(),
    endedAt: text("ended_at").notNull(),
    criticalPathMs: integer("critical_path_ms").notNull(),
    criticalPath: text("critical_path").notNull(),
  },
  (t) => [index("_run_observations_workflow").on(t.workflow, t.endedAt)],
);

/** Per finished run and agent: its tasks, retries, timeouts, failures and share of the critical path. */
export const runAgentStats = sqliteTable(
  "_run_agent_stats",
  {
    runId: text("run_id").notNull(),
    workflow: text("workflow").notNull(),
    endedAt: text("ended_at").notNull(),
    agentId: text("agent_id").notNull(),
    versions: text("versions").notNull(),
    tasks: integer("tasks").notNull(),
    retries: integer("retries").notNull(),
    timeouts: integer("timeouts").notNull(),
    failures: integer("failures").notNull(),
    criticalPathMs: integer("critical_path_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.agentId] }), index("_run_agent_stats_workflow").on(t.workflow, t.endedAt)],
);

/** Per finished run: each observed edge between agents (messages, delegations, events, state lineage) and its count. */
export const runEdges = sqliteTable(
  "_run_edges",
  {
    runId: text("run_id").notNull(),
    workflow: text("workflow").notNull(),
    endedAt: text("ended_at").notNull(),
    fromAgent: text("from_agent").notNull(),
    toAgent: text("to_agent").notNull(),
    kind: text("kind", { enum: ["message", "state", "delegation", "event"] }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.fromAgent, t.toAgent, t.kind] }), index("_run_edges_workflow").on(t.workflow, t.endedAt)],
);

/** Per task that ended by itself (succeeded, failed, timed out): creation to end, for percentiles. */
export const runTaskDurations = sqliteTable(
  "_run_task_durations",
  {
    taskId: text("task_id").primaryKey(),
    runId: text("run_id").notNull(),
    workflow: text("workflow").notNull(),
    endedAt: text("ended_at").notNull(),
    agentId: text("agent_id").notNull(),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [index("_run_task_durations_workflow").on(t.workflow, t.endedAt, t.agentId, t.durationMs), index("_run_task_durations_run").on(t.runId)],
);
