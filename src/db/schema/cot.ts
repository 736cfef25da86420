import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---- Chain-of-thought ledger (migration 0005_cot.sql, which also adds the append-only triggers) ----

export const COT_STEP_TYPES = [
  "observation",
  "hypothesis",
  "analysis",
  "decision",
  "action",
  "reflection",
  "planning",
  "evaluation",
  "retrieval",
  "synthesis",
  "delegation",
  "error",
] as const;

export const cotSteps = sqliteTable(
  "_cot",
  {
    sessionId: text("session_id").notNull(),
    stepIndex: integer("step_index").notNull(),
    agentId: text("agent_id").notNull(),
    stepType: text("step_type", { enum: COT_STEP_TYPES }).notNull(),
    content: text("content").notNull(),
    inputData: text("input_data"),
    outputData: text("output_data"),
    importance: real("importance").notNull(),
    metadata: text("metadata"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    loggedAt: text("logged_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.stepIndex] })],
);

export const cotSessions = sqliteTable(
  "_cot_sessions",
  {
    sessionId: text("session_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    steps: integer("steps").notNull(),
    firstLoggedAt: text("first_logged_at").notNull(),
    lastLoggedAt: text("last_logged_at").notNull(),
    headHash: text("head_hash").notNull(),
  },
  (t) => [index("_cot_sessions_agent").on(t.agentId, t.sessionId), index("_cot_sessions_last").on(t.lastLoggedAt)],
);
