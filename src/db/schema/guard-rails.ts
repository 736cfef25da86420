import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---- Guard rails (migration 0014_guard_rails.sql) ----

/**
 * One row: the deployment's guard rails (`PUT /v1/guard-rails`) and their version, a fresh random token on
 * every change. Authentication reads the version alongside the key, as it does the policy set's, so a
 * Worker reloads the rules only when they changed and sees a change on its very next request. The row
 * starts at version '0' with no rules, which every isolate knows without reading it.
 */
export const guardRailSet = sqliteTable("_guard_rails", {
  id: integer("id").primaryKey(),
  /** JSON text of the rules (`{}`: none). */
  rules: text("rules").notNull(),
  version: text("version").notNull(),
  updatedBy: text("updated_by"),
  updatedAt: text("updated_at"),
});

/**
 * Every guard-rail violation: what rule, where in the value, which PII kind (never the PII itself), what
 * the rule did (`redact` stored a redacted value, `reject` refused), on which write. Readable with SQL.
 */
export const guardRailViolations = sqliteTable(
  "_guard_rail_violations",
  {
    violationId: text("violation_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    rule: text("rule").notNull(),
    kind: text("kind"),
    path: text("path").notNull(),
    mode: text("mode", { enum: ["redact", "reject"] }).notNull(),
    /** The write it was: `memory:write`, `state:write`, `inbox:send`, `task:complete`, `workflow:message`, … */
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    runId: text("run_id"),
    taskId: text("task_id"),
    requestId: text("request_id"),
    at: text("at").notNull(),
  },
  // `resource` leads an index: the row rule lists the resources that occur by skipping through it (sql/row-rules.ts).
  (t) => [index("_guard_rail_violations_at").on(t.at), index("_guard_rail_violations_agent").on(t.agentId, t.at), index("_guard_rail_violations_resource").on(t.resource, t.at)],
);
