import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
