import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// --- Policies (ABAC): see src/policy/policy-engine.ts for their semantics ---

export const policies = sqliteTable("_policies", {
  policyId: text("policy_id").primaryKey(),
  description: text("description"),
  effect: text("effect", { enum: ["allow", "deny"] }).notNull(),
  /** JSON arrays of strings. */
  actions: text("actions").notNull(),
  resources: text("resources").notNull(),
  /** JSON array of agent ids and `role:<role>`; NULL means every agent. */
  principals: text("principals"),
  /** CEL text; NULL means none. */
  condition: text("condition"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
});

/**
 * One row: the policy set's version, a fresh random token on every change, written in the same batch as
 * the change. Authentication reads it alongside the key, so a Worker reloads its compiled policies only
 * when they changed, and sees a change on its very next request.
 */
export const policySet = sqliteTable("_policy_set", {
  id: integer("id").primaryKey(),
  version: text("version").notNull(),
  changedAt: text("changed_at").notNull(),
});
