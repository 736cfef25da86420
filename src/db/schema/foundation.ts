// Agents, their keys, the audit log and denials, idempotency keys and memories.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const agents = sqliteTable("_agents", {
  agentId: text("agent_id").primaryKey(),
  role: text("role", { enum: ["agent", "reader", "admin"] }).notNull(),
  attributes: text("attributes").notNull().default("{}"),
  description: text("description"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Key material lives apart from `_agents` so that SQL over `_agents` never reaches it. */
export const agentKeys = sqliteTable(
  "_agent_keys",
  {
    keyId: text("key_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    /** The first characters of the key's hash: finds the row; the full hash decides. */
    lookup: text("lookup").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: text("created_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("_agent_keys_lookup").on(t.lookup), index("_agent_keys_agent").on(t.agentId)],
);

export const auditLog = sqliteTable(
  "_audit_log",
  {
    auditId: text("audit_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    status: text("status").notNull(),
    requestId: text("request_id"),
    at: text("at").notNull(),
    details: text("details"),
  },
  (t) => [index("_audit_log_at").on(t.at), index("_audit_log_agent").on(t.agentId, t.at), index("_audit_log_resource").on(t.resource, t.at)],
);

export const policyDenials = sqliteTable(
  "_policy_denials",
  {
    denialId: text("denial_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    policyId: text("policy_id"),
    reason: text("reason").notNull(),
    deniedAt: text("denied_at").notNull(),
  },
  (t) => [index("_policy_denials_at").on(t.deniedAt)],
);

/** Responses remembered per Idempotency-Key, so that a retried creating POST creates nothing new. */
export const idempotencyKeys = sqliteTable(
  "_idempotency_keys",
  {
    scope: text("scope").primaryKey(),
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status"),
    /** The body without its secret: a response that carried one (an API key) is never stored whole. */
    responseBody: text("response_body"),
    /** True when a secret was taken out of `responseBody`: a retry is then told so (409), not replayed. */
    secretWithheld: integer("secret_withheld", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("_idempotency_keys_expires").on(t.expiresAt)],
);

export const memories = sqliteTable(
  "_memory",
  {
    memoryId: text("memory_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    content: text("content").notNull(),
    metadata: text("metadata").notNull().default("{}"),
    memoryType: text("memory_type", {
      enum: ["fact", "observation", "instruction", "preference", "episode"],
    }).notNull(),
    importance: real("importance").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at"),
    accessCount: integer("access_count").notNull().default(0),
    lastAccessedAt: text("last_accessed_at"),
  },
  (t) => [
    // Ids sort by creation time: one index serves a namespace's newest-first pages and its scans.
    index("_memory_namespace_id").on(t.agentId, t.memoryId),
    index("_memory_expires").on(t.expiresAt).where(sql`expires_at IS NOT NULL`),
  ],
);
