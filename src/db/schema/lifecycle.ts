import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// ---- Lifecycle triggers (migration 0012_lifecycle_triggers.sql) ----

/** Schedule, polling and webhook triggers of live workflows; rewritten with each revision (src/lifecycle/registry.ts). */
export const lifecycleTriggers = sqliteTable(
  "_lifecycle_triggers",
  {
    triggerId: text("trigger_id").primaryKey(),
    workflow: text("workflow").notNull(),
    revision: integer("revision").notNull(),
    triggerIndex: integer("trigger_index").notNull(),
    kind: text("kind", { enum: ["schedule", "polling", "webhook"] }).notNull(),
    /** JSON: the trigger as the definition normalised it. */
    config: text("config").notNull(),
    /** A webhook's path (`/hooks/…`), unique in the deployment; null for the other kinds. */
    path: text("path"),
    /** When a trigger with this identity was first defined: a schedule's first anchor. */
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** When the trigger's object must wake next (mirrored by it); null for webhooks. */
    nextAt: text("next_at"),
    /** JSON mirror of the object's state (last scheduled instant, current interval, …). */
    state: text("state"),
    /** JSON of the latest decision. */
    lastDecision: text("last_decision"),
  },
  (t) => [
    uniqueIndex("_lifecycle_triggers_path").on(t.path),
    index("_lifecycle_triggers_workflow").on(t.workflow, t.triggerIndex),
    index("_lifecycle_triggers_due").on(t.nextAt).where(sql`next_at IS NOT NULL`),
  ],
);

/** The hashed keys of `api_key` hooks, apart from the registry. */
export const hookKeys = sqliteTable("_hook_keys", {
  triggerId: text("trigger_id").primaryKey(),
  workflow: text("workflow").notNull(),
  /** JSON `[{hash, expires_at}]` (src/schedules/hook-auth/hook-keys.ts). */
  keys: text("keys").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** What each lifecycle trigger decided and why; the most recent per trigger are kept. */
export const triggerDecisions = sqliteTable(
  "_trigger_decisions",
  {
    decisionId: text("decision_id").primaryKey(),
    triggerId: text("trigger_id").notNull(),
    workflow: text("workflow").notNull(),
    decision: text("decision", { enum: ["fired", "skipped", "deduplicated", "failed"] }).notNull(),
    reason: text("reason"),
    runId: text("run_id"),
    /** JSON: scheduled_for, skipped instants, the poll's row, the error, … */
    details: text("details"),
    decidedAt: text("decided_at").notNull(),
  },
  (t) => [index("_trigger_decisions_trigger").on(t.triggerId, t.decisionId), index("_trigger_decisions_workflow").on(t.workflow, t.decisionId)],
);
