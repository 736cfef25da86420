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
    /** For an `emit_event` action: the type of the event the firing publishes (migration 0010_events.sql). */
    eventType: text("event_type"),
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

// ---- Agent catalog and workflow definitions (migration 0008_catalog_workflows.sql) ----

/**
 * Published agent versions: immutable but for deprecation and promotion. `version` is as published;
 * `version_key` is it without build metadata, which semver leaves out of precedence (`1.0.0+a` and
 * `1.0.0+b` are the same version to every reference), so it is what makes a version unique.
 */
export const agentVersions = sqliteTable(
  "_agent_versions",
  {
    agentId: text("agent_id").notNull(),
    version: text("version").notNull(),
    versionKey: text("version_key").notNull(),
    description: text("description"),
    endpoint: text("endpoint"),
    /** JSON text: `config` always (`{}` when not given), the schemas and guard rails NULL when not given. */
    config: text("config").notNull(),
    inputSchema: text("input_schema"),
    outputSchema: text("output_schema"),
    tags: text("tags").notNull(),
    guardRails: text("guard_rails"),
    prerelease: integer("prerelease", { mode: "boolean" }).notNull(),
    deprecated: integer("deprecated", { mode: "boolean" }).notNull().default(false),
    deprecatedAt: text("deprecated_at"),
    deprecationReason: text("deprecation_reason"),
    promoted: integer("promoted", { mode: "boolean" }).notNull().default(false),
    promotedAt: text("promoted_at"),
    publishedAt: text("published_at").notNull(),
    publishedBy: text("published_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.versionKey] }),
    // At most one promoted version per agent: `latest` names one version or none.
    uniqueIndex("_agent_versions_promoted").on(t.agentId).where(sql`promoted = 1`),
  ],
);

/** One row per workflow name; a deleted workflow keeps its row (and revisions) with `deleted_at` set. */
export const workflows = sqliteTable("_workflows", {
  name: text("name").primaryKey(),
  currentRevision: integer("current_revision").notNull(),
  description: text("description"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  deletedAt: text("deleted_at"),
});

/** Every revision of every workflow, as normalised (`definition`) and as sent (`source`). */
export const workflowRevisions = sqliteTable(
  "_workflow_revisions",
  {
    name: text("name").notNull(),
    revision: integer("revision").notNull(),
    definition: text("definition").notNull(),
    source: text("source").notNull(),
    sourceFormat: text("source_format", { enum: ["yaml", "json"] }).notNull(),
    contentHash: text("content_hash").notNull(),
    warnings: text("warnings").notNull(),
    rollbackOf: integer("rollback_of"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.revision] })],
);

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

// ---- A/B tests of agent versions (migration 0011_ab_tests.sql) ----

export const AB_TEST_STATUSES = ["running", "completed", "stopped", "rolled_back", "promoted"] as const;

/** One A/B test of two versions of an agent; at most one `running` per agent (a partial unique index). */
export const abTests = sqliteTable(
  "_ab_tests",
  {
    abTestId: text("ab_test_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    versionA: text("version_a").notNull(),
    versionB: text("version_b").notNull(),
    splitA: real("split_a").notNull(),
    splitB: real("split_b").notNull(),
    /** JSON array of metric names, in the order given. */
    metrics: text("metrics").notNull(),
    durationDays: real("duration_days"),
    minSamples: integer("min_samples").notNull(),
    sequential: integer("sequential", { mode: "boolean" }).notNull(),
    autoRollback: integer("auto_rollback", { mode: "boolean" }).notNull(),
    status: text("status", { enum: AB_TEST_STATUSES }).notNull(),
    startedAt: text("started_at").notNull(),
    endsAt: text("ends_at"),
    endedAt: text("ended_at"),
    endedBy: text("ended_by"),
    endReason: text("end_reason"),
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    uniqueIndex("_ab_tests_running_agent").on(t.agentId).where(sql`status = 'running'`),
    index("_ab_tests_agent").on(t.agentId, t.abTestId),
    index("_ab_tests_running_ends").on(t.endsAt).where(sql`status = 'running'`),
  ],
);

/** Each arm's aggregates: counts and Welford moments, updated in single statements as things happen. */
export const abTestArms = sqliteTable(
  "_ab_test_arms",
  {
    abTestId: text("ab_test_id").notNull(),
    arm: text("arm", { enum: ["a", "b"] }).notNull(),
    version: text("version").notNull(),
    assigned: integer("assigned").notNull().default(0),
    samples: integer("samples").notNull().default(0),
    successes: integer("successes").notNull().default(0),
    durationCount: integer("duration_count").notNull().default(0),
    durationMean: real("duration_mean").notNull().default(0),
    durationM2: real("duration_m2").notNull().default(0),
    tokensCount: integer("tokens_count").notNull().default(0),
    tokensMean: real("tokens_mean").notNull().default(0),
    tokensM2: real("tokens_m2").notNull().default(0),
    rated: integer("rated").notNull().default(0),
    up: integer("up").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.abTestId, t.arm] })],
);

/** The arm each run was given by each test; its key makes a retried start count once. */
export const abAssignments = sqliteTable(
  "_ab_assignments",
  {
    abTestId: text("ab_test_id").notNull(),
    runId: text("run_id").notNull(),
    arm: text("arm", { enum: ["a", "b"] }).notNull(),
    assignedAt: text("assigned_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.abTestId, t.runId] })],
);

// ---- Events (migration 0010_events.sql) ----

/** Registered event types: a JSON Schema each; `version` grows with every change (filters compiled against it follow). */
export const eventTypes = sqliteTable("_event_types", {
  type: text("type").primaryKey(),
  schema: text("schema").notNull(),
  description: text("description"),
  version: integer("version").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Which workflow listens to which event type: an event-driven entry (`pattern`) or an event trigger (`trigger`). */
export const eventSubscriptions = sqliteTable(
  "_event_subscriptions",
  {
    workflow: text("workflow").notNull(),
    /** Where in the definition: `coordination[0].events[1]`, `triggers[2]`. */
    source: text("source").notNull(),
    eventType: text("event_type").notNull(),
    revision: integer("revision").notNull(),
    kind: text("kind", { enum: ["pattern", "trigger"] }).notNull(),
    patternIndex: integer("pattern_index"),
    entryIndex: integer("entry_index"),
    triggerIndex: integer("trigger_index"),
    filter: text("filter"),
  },
  (t) => [primaryKey({ columns: [t.workflow, t.source] }), index("_event_subscriptions_type").on(t.eventType)],
);

/** One row: a new version with every change to subscriptions or event types (isolates' caches follow it). */
export const eventRouting = sqliteTable("_event_routing", {
  id: integer("id").primaryKey(),
  version: text("version").notNull(),
});

export const events = sqliteTable(
  "_events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    source: text("source"),
    /** JSON text; NULL for a rejected message that carried none. */
    data: text("data"),
    time: text("time").notNull(),
    receivedAt: text("received_at").notNull(),
    status: text("status", { enum: ["accepted", "rejected"] }).notNull(),
    /** JSON `{message, details}` for a rejected event. */
    rejection: text("rejection"),
    publisher: text("publisher", { enum: ["http", "queue", "platform"] }).notNull(),
    publishedBy: text("published_by").notNull(),
    /** How many platform events lead to this one (0 for an event from outside): bounds event loops. */
    depth: integer("depth").notNull().default(0),
    /** JSON `{run_id, workflow, started_by_platform_event}` for a platform event a run published. */
    causedBy: text("caused_by"),
  },
  (t) => [index("_events_received").on(t.receivedAt, t.eventId), index("_events_type_received").on(t.type, t.receivedAt, t.eventId)],
);

/** For each event, one decision per subscribed workflow: matched or not, why, and the run it started. */
export const eventDecisions = sqliteTable(
  "_event_decisions",
  {
    eventId: text("event_id").notNull(),
    workflow: text("workflow").notNull(),
    revision: integer("revision").notNull(),
    matched: integer("matched", { mode: "boolean" }).notNull(),
    reason: text("reason").notNull(),
    /** JSON: each entry and trigger of the workflow for this type, with its filter, outcome and what it saw. */
    entries: text("entries").notNull(),
    runId: text("run_id"),
    /** JSON: the event-driven entries the run starts, by pattern index (the run's `matched`). */
    runMatched: text("run_matched"),
    /** JSON `{code, message}` when the matched run could not be started. */
    runError: text("run_error"),
    decidedAt: text("decided_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.workflow] }),
    index("_event_decisions_pending").on(t.decidedAt).where(sql`run_id IS NOT NULL AND run_error IS NULL`),
    // Added by 0012_lifecycle_triggers.sql: an event trigger's recent decisions, by workflow (src/lifecycle/trigger-listing.ts).
    index("_event_decisions_workflow").on(t.workflow, t.decidedAt),
  ],
);

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
