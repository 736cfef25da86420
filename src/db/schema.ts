// The D1 tables. Names starting with "_" are system tables: users read them with SQL, never write them.
// Timestamps are ISO-8601 text (see lib/time.ts) so SQL compares them as text.
import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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

// ---- Semantic triggers (migration 0004_triggers.sql) ----

export const triggers = sqliteTable(
  "_triggers",
  {
    triggerId: text("trigger_id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    concept: text("concept").notNull(),
    threshold: real("threshold").notNull(),
    /** JSON of the action, without any webhook secret (see triggerSecrets). */
    action: text("action").notNull(),
    cooldownSeconds: integer("cooldown_seconds").notNull().default(0),
    /** JSON array of namespaces, or null for all. */
    namespaces: text("namespaces"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    lastFiredAt: text("last_fired_at"),
  },
  (t) => [index("_triggers_enabled").on(t.enabled)],
);

/** A BLOB column of raw bytes, bound and read as they are. */
const bytes = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "blob" });

export const triggerVectors = sqliteTable("_trigger_vectors", {
  triggerId: text("trigger_id").primaryKey(),
  model: text("model").notNull(),
  vector: bytes("vector").notNull(),
});

/** Webhook secrets, apart from `_triggers` so that SQL over `_triggers` never reaches them. */
export const triggerSecrets = sqliteTable("_trigger_secrets", {
  triggerId: text("trigger_id").primaryKey(),
  secret: text("secret").notNull(),
});

export const triggerVersion = sqliteTable("_trigger_version", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull(),
});

export const triggerOutbox = sqliteTable("_trigger_outbox", {
  memoryId: text("memory_id").primaryKey(),
  namespace: text("namespace").notNull(),
  triggerVersion: integer("trigger_version").notNull(),
  createdAt: text("created_at").notNull(),
});

export const triggerFirings = sqliteTable(
  "_trigger_firings",
  {
    notificationId: text("notification_id").primaryKey(),
    triggerId: text("trigger_id").notNull(),
    triggerName: text("trigger_name").notNull(),
    memoryId: text("memory_id").notNull(),
    agentId: text("agent_id").notNull(),
    score: real("score").notNull(),
    actionType: text("action_type").notNull(),
    targetAgentId: text("target_agent_id"),
    status: text("status", { enum: ["pending", "dispatched", "dead"] }).notNull().default("pending"),
    createdAt: text("created_at").notNull(),
    dispatchedAt: text("dispatched_at"),
  },
  (t) => [
    uniqueIndex("_trigger_firings_once").on(t.triggerId, t.memoryId),
    index("_trigger_firings_pending").on(t.createdAt).where(sql`status = 'pending'`),
  ],
);

export const webhookDeliveries = sqliteTable(
  "_webhook_deliveries",
  {
    deliveryId: text("delivery_id").primaryKey(),
    notificationId: text("notification_id").notNull(),
    triggerId: text("trigger_id").notNull(),
    url: text("url").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed", "dead"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** The trigger's creator: only it (and admins) list and replay the delivery, also once the trigger is gone. */
    createdBy: text("created_by"),
  },
  (t) => [
    uniqueIndex("_webhook_deliveries_notification").on(t.notificationId),
    index("_webhook_deliveries_status").on(t.status, t.deliveryId),
    index("_webhook_deliveries_owner").on(t.createdBy, t.deliveryId),
  ],
);

// ---- Branches (migration 0006_branches.sql) ----

/** The branch registry. `status`: open → merged | discarded | expired; a closed branch never reopens. */
export const branches = sqliteTable(
  "_branches",
  {
    branchId: text("branch_id").primaryKey(),
    label: text("label").notNull(),
    description: text("description"),
    status: text("status", { enum: ["open", "merged", "discarded", "expired"] }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    mergedAt: text("merged_at"),
    mergedBy: text("merged_by"),
    closedAt: text("closed_at"),
  },
  (t) => [index("_branches_status").on(t.status, t.branchId), index("_branches_open_expiry").on(t.expiresAt).where(sql`status = 'open'`)],
);
