import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
