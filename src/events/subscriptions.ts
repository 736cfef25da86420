import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { eventRouting, eventSubscriptions } from "../db/schema";
import type { WorkflowDefinition } from "../workflows/definition/types";

// The index from event types to the workflows that listen to them. A workflow subscribes through each
// event-driven entry (`coordination[i].events[j]`) and each event trigger (`triggers[k]`); the rows are
// rewritten in the same D1 batch that saves a revision or deletes the workflow, so matching an event reads
// the rows of its type only and never scans workflows. Every change gives the routing a new version,
// which tells isolates to read again what they cached (see routing-cache.ts).

export interface Subscription {
  /** Where in the definition: `coordination.events[1]`, `coordination[2].events[0]`, `triggers[0]`. */
  source: string;
  eventType: string;
  kind: "pattern" | "trigger";
  patternIndex: number | null;
  entryIndex: number | null;
  triggerIndex: number | null;
  filter: string | null;
}

/** An event trigger of the definition (`{type: event, event_type, filter}`), read from the loosely typed trigger. */
export function eventTriggerOf(trigger: Record<string, unknown>): { eventType: unknown; filter: unknown } | null {
  return trigger.type === "event" ? { eventType: trigger.event_type, filter: trigger.filter ?? null } : null;
}

/** Every subscription a definition makes. */
export function subscriptionsOf(definition: WorkflowDefinition): Subscription[] {
  const found: Subscription[] = [];
  const single = definition.coordination.length === 1;
  definition.coordination.forEach((pattern, i) => {
    if (pattern.pattern !== "event-driven") return;
    pattern.events.forEach((entry, j) =>
      found.push({
        source: `${single ? "coordination" : `coordination[${i}]`}.events[${j}]`,
        eventType: entry.type,
        kind: "pattern",
        patternIndex: i,
        entryIndex: j,
        triggerIndex: null,
        filter: entry.filter,
      }),
    );
  });
  definition.triggers.forEach((trigger, k) => {
    const event = eventTriggerOf(trigger);
    if (!event || typeof event.eventType !== "string") return;
    found.push({
      source: `triggers[${k}]`,
      eventType: event.eventType,
      kind: "trigger",
      patternIndex: null,
      entryIndex: null,
      triggerIndex: k,
      filter: typeof event.filter === "string" ? event.filter : null,
    });
  });
  return found;
}

/** For a `db.batch`: the routing's new version, only if the statement just before changed a row. */
const bumpIfChanged = (db: Database) =>
  db
    .update(eventRouting)
    .set({ version: crypto.randomUUID() })
    .where(sql`${eventRouting.id} = 1 AND changes() > 0`);

/**
 * For saveRevision's batch: the workflow's subscriptions replaced by the revision's, but only if that
 * revision (by number and content) is the workflow's current one when the batch runs, so a writer that
 * lost the race to save changes no subscription.
 */
export function subscriptionStatements(db: Database, name: string, revision: number, contentHash: string, definition: WorkflowDefinition): BatchItem<"sqlite">[] {
  const current = sql`EXISTS (SELECT 1 FROM _workflows w JOIN _workflow_revisions r ON r.name = w.name AND r.revision = w.current_revision
      WHERE w.name = ${name} AND w.current_revision = ${revision} AND w.deleted_at IS NULL AND r.content_hash = ${contentHash})`;
  const subscriptions = subscriptionsOf(definition);
  const statements: BatchItem<"sqlite">[] = [db.delete(eventSubscriptions).where(and(eq(eventSubscriptions.workflow, name), current)), bumpIfChanged(db)];
  if (subscriptions.length > 0) {
    const rows = JSON.stringify(subscriptions.map((s) => [s.source, s.eventType, s.kind, s.patternIndex, s.entryIndex, s.triggerIndex, s.filter]));
    // Columns in the table's declared order: the select's values fill them positionally.
    statements.push(
      db.insert(eventSubscriptions).select(
        sql`SELECT ${name}, j.value ->> 0, j.value ->> 1, ${revision}, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6
              FROM json_each(${rows}) j WHERE ${current}`,
      ),
      bumpIfChanged(db),
    );
  }
  return statements;
}

/** For markDeleted's batch: the workflow's subscriptions removed, once it is marked deleted. */
export function unsubscribeStatements(db: Database, name: string): BatchItem<"sqlite">[] {
  return [
    db
      .delete(eventSubscriptions)
      .where(and(eq(eventSubscriptions.workflow, name), sql`EXISTS (SELECT 1 FROM _workflows WHERE name = ${name} AND deleted_at IS NOT NULL)`)),
    bumpIfChanged(db),
  ];
}
