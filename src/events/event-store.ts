import { auditRow } from "../audit/audit-log";
import { ApiError, notFound } from "../http/errors";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import type { Json } from "../workflows/definition/types";
import type { CausedBy } from "./loop-guard";
import type { EntryDecision } from "./matching";

// Events and their decisions in D1. An event is claimed by its id in one batch that also writes its
// decisions (with the run ids chosen for them) and its audit row: of any number of concurrent publishers
// of one event id, exactly one batch inserts the row, and the others read the decisions it wrote.

export type Publisher = "http" | "queue" | "platform";

export interface EventRecord {
  event_id: string;
  type: string;
  source: string | null;
  data: Json | null;
  time: string;
  received_at: string;
  status: "accepted" | "rejected";
  rejection: { message: string; details?: unknown } | null;
  publisher: Publisher;
  published_by: string;
  depth: number;
  caused_by: CausedBy | null;
}

export interface DecisionRecord {
  workflow: string;
  revision: number;
  matched: boolean;
  reason: string;
  entries: EntryDecision[];
  run_id: string | null;
  run_error: { code: string; message: string } | null;
  decided_at: string;
}

/** A decision as written: with the entries its run starts, which the cron needs to start it again. */
export interface NewDecision extends DecisionRecord {
  run_matched: Record<string, number[]> | null;
}

export interface DecisionView extends DecisionRecord {
  run_status: string | null;
}

export interface EventView extends EventRecord {
  decisions: DecisionView[];
  runs: { run_id: string; workflow: string }[];
}

interface EventRow {
  event_id: string;
  type: string;
  source: string | null;
  data: string | null;
  time: string;
  received_at: string;
  status: "accepted" | "rejected";
  rejection: string | null;
  publisher: Publisher;
  published_by: string;
  depth: number;
  caused_by: string | null;
}

interface DecisionRow {
  event_id: string;
  workflow: string;
  revision: number;
  matched: number;
  reason: string;
  entries: string;
  run_id: string | null;
  run_error: string | null;
  decided_at: string;
  run_status: string | null;
}

const CLAIM = `INSERT INTO _events (event_id, type, source, data, time, received_at, status, rejection, publisher, published_by, depth, caused_by)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'accepted', NULL, ?7, ?8, ?9, ?10)
  ON CONFLICT (event_id) DO UPDATE SET type = excluded.type, source = excluded.source, data = excluded.data, time = excluded.time,
    received_at = excluded.received_at, status = excluded.status, rejection = NULL, publisher = excluded.publisher,
    published_by = excluded.published_by, depth = excluded.depth, caused_by = excluded.caused_by
  WHERE _events.received_at <= ?11 OR _events.status = 'rejected'
  RETURNING event_id`;

/** The decisions of an event id that is being claimed again (its first claim expired, or was a rejection). */
const FORGET_EXPIRED = `DELETE FROM _event_decisions WHERE event_id = ?1
  AND EXISTS (SELECT 1 FROM _events WHERE event_id = ?1 AND (received_at <= ?2 OR status = 'rejected'))`;

const AUDIT_IF_CLAIMED = `INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details)
  SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0`;

// changes() here is the audit insert's, which inserted exactly when the claim did.
const DECISIONS_IF_CLAIMED = `INSERT INTO _event_decisions (event_id, workflow, revision, matched, reason, entries, run_id, run_matched, run_error, decided_at)
  SELECT ?1, j.value ->> '$.workflow', j.value ->> '$.revision', j.value ->> '$.matched', j.value ->> '$.reason', j.value ->> '$.entries',
    j.value ->> '$.run_id', j.value ->> '$.run_matched', NULL, ?2
  FROM json_each(?3) j WHERE changes() > 0`;

/** An event to claim, with the decisions its matching made. */
export interface Claim {
  event: EventRecord;
  decisions: readonly NewDecision[];
}

/** Events claimed in one D1 batch at most: four statements each. */
const CLAIMS_PER_BATCH = 50;

function claimStatements(db: D1Database, { event, decisions }: Claim, dedupeSeconds: number, requestId: string | null): D1PreparedStatement[] {
  const cutoff = new Date(Date.parse(event.received_at) - dedupeSeconds * 1000).toISOString();
  const audit = auditRow({
    agentId: event.published_by,
    action: "event:publish",
    resource: `event:${event.type}`,
    status: "success",
    ...(requestId === null ? {} : { requestId }),
    details: { event_id: event.event_id, publisher: event.publisher, runs: decisions.flatMap((d) => (d.run_id ? [d.run_id] : [])) },
  });
  const rows = JSON.stringify(
    decisions.map((d) => ({
      workflow: d.workflow,
      revision: d.revision,
      matched: d.matched ? 1 : 0,
      reason: d.reason,
      entries: JSON.stringify(d.entries),
      run_id: d.run_id,
      run_matched: d.run_matched === null ? null : JSON.stringify(d.run_matched),
    })),
  );
  return [
    db.prepare(FORGET_EXPIRED).bind(event.event_id, cutoff),
    db
      .prepare(CLAIM)
      .bind(
        event.event_id,
        event.type,
        event.source,
        JSON.stringify(event.data),
        event.time,
        event.received_at,
        event.publisher,
        event.published_by,
        event.depth,
        event.caused_by ? JSON.stringify(event.caused_by) : null,
        cutoff,
      ),
    db.prepare(AUDIT_IF_CLAIMED).bind(audit.auditId, audit.agentId, audit.action, audit.resource, audit.status, audit.requestId, audit.at, audit.details),
    db.prepare(DECISIONS_IF_CLAIMED).bind(event.event_id, event.received_at, rows),
  ];
}

/**
 * Each event with its decisions, written together if no live event has its id; false for one that has (a
 * duplicate). Many events (a queue batch) go in as few D1 batches as possible: the same id twice among them
 * is claimed once, by the first.
 */
export async function claimEvents(db: D1Database, claims: readonly Claim[], dedupeSeconds: number, requestId: string | null): Promise<boolean[]> {
  const claimed: boolean[] = [];
  for (let i = 0; i < claims.length; i += CLAIMS_PER_BATCH) {
    const chunk = claims.slice(i, i + CLAIMS_PER_BATCH);
    const results = await db.batch(chunk.flatMap((c) => claimStatements(db, c, dedupeSeconds, requestId)));
    chunk.forEach((_, j) => claimed.push((results[j * 4 + 1]?.results.length ?? 0) > 0));
  }
  return claimed;
}

/** A message that is no valid event, kept with why; a repeat of its id (a redelivery) changes nothing. */
export async function recordRejected(db: D1Database, event: EventRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO _events (event_id, type, source, data, time, received_at, status, rejection, publisher, published_by, depth, caused_by)
       VALUES (?, ?, ?, ?, ?, ?, 'rejected', ?, ?, ?, 0, NULL) ON CONFLICT (event_id) DO NOTHING`,
    )
    .bind(event.event_id, event.type, event.source, event.data === null ? null : JSON.stringify(event.data), event.time, event.received_at, JSON.stringify(event.rejection), event.publisher, event.published_by)
    .run();
}

/** Records that a matched run could not be started (a workflow deleted since, a reference that no longer resolves). */
export async function recordRunError(db: D1Database, eventId: string, workflow: string, error: { code: string; message: string }): Promise<void> {
  await db.prepare("UPDATE _event_decisions SET run_error = ? WHERE event_id = ? AND workflow = ?").bind(JSON.stringify(error), eventId, workflow).run();
}

const DECISIONS_OF = `SELECT d.*, r.status AS run_status FROM _event_decisions d LEFT JOIN _runs r ON r.run_id = d.run_id`;

function eventRecord(row: EventRow): EventRecord {
  return {
    event_id: row.event_id,
    type: row.type,
    source: row.source,
    data: row.data === null ? null : (JSON.parse(row.data) as Json),
    time: row.time,
    received_at: row.received_at,
    status: row.status,
    rejection: row.rejection === null ? null : (JSON.parse(row.rejection) as EventRecord["rejection"]),
    publisher: row.publisher,
    published_by: row.published_by,
    depth: row.depth,
    caused_by: row.caused_by === null ? null : (JSON.parse(row.caused_by) as CausedBy),
  };
}

function decisionView(row: DecisionRow): DecisionView {
  return {
    workflow: row.workflow,
    revision: row.revision,
    matched: row.matched === 1,
    reason: row.reason,
    entries: JSON.parse(row.entries) as EntryDecision[],
    run_id: row.run_id,
    run_status: row.run_status,
    run_error: row.run_error === null ? null : (JSON.parse(row.run_error) as { code: string; message: string }),
    decided_at: row.decided_at,
  };
}

function eventView(row: EventRow, decisions: DecisionView[]): EventView {
  return {
    ...eventRecord(row),
    decisions,
    runs: decisions.flatMap((d) => (d.run_id !== null && d.run_error === null ? [{ run_id: d.run_id, workflow: d.workflow }] : [])),
  };
}

/** The runs an event's first claim chose: what a duplicate answers. */
export async function runsOf(db: D1Database, eventId: string): Promise<{ run_id: string; workflow: string }[]> {
  const { results } = await db
    .prepare("SELECT run_id, workflow FROM _event_decisions WHERE event_id = ? AND run_id IS NOT NULL AND run_error IS NULL ORDER BY workflow")
    .bind(eventId)
    .all<{ run_id: string; workflow: string }>();
  return results;
}

export async function getEvent(db: D1Database, eventId: string): Promise<EventView> {
  const [events, decisions] = await db.batch([
    db.prepare("SELECT * FROM _events WHERE event_id = ?").bind(eventId),
    db.prepare(`${DECISIONS_OF} WHERE d.event_id = ? ORDER BY d.workflow`).bind(eventId),
  ]);
  const row = events?.results[0] as EventRow | undefined;
  if (!row) throw notFound("Event", eventId);
  return eventView(row, ((decisions?.results ?? []) as DecisionRow[]).map(decisionView));
}

function decodeEventCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const split = decoded.indexOf("|");
  if (split < 0) throw new ApiError("invalid_request", "The cursor is not one this API returned; pass `next_cursor` unchanged.", [{ path: "cursor", message: "invalid cursor" }]);
  return { at: decoded.slice(0, split), id: decoded.slice(split + 1) };
}

/** Events, newest first, each with its decisions. */
export async function listEvents(db: D1Database, query: { type?: string | undefined; since?: string | undefined; limit: number; cursor?: string | undefined }) {
  const after = decodeEventCursor(query.cursor);
  const where: string[] = [];
  const params: unknown[] = [];
  const condition = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (query.type !== undefined) condition("type = ?", query.type);
  if (query.since !== undefined) condition("received_at >= ?", new Date(query.since).toISOString());
  if (after) condition("(received_at < ? OR (received_at = ? AND event_id < ?))", after.at, after.at, after.id);
  const page = `SELECT event_id FROM _events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY received_at DESC, event_id DESC LIMIT ?`;
  params.push(query.limit + 1);
  const [events, decisions] = await db.batch([
    db.prepare(`SELECT * FROM _events WHERE event_id IN (${page}) ORDER BY received_at DESC, event_id DESC`).bind(...params),
    db.prepare(`${DECISIONS_OF} WHERE d.event_id IN (${page}) ORDER BY d.workflow`).bind(...params),
  ]);
  const rows = (events?.results ?? []) as EventRow[];
  const byEvent = new Map<string, DecisionView[]>();
  for (const row of (decisions?.results ?? []) as DecisionRow[]) byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), decisionView(row)]);
  const items = rows.slice(0, query.limit).map((row) => eventView(row, byEvent.get(row.event_id) ?? []));
  const last = items.at(-1);
  return { items, next_cursor: rows.length > query.limit && last ? encodeCursor(`${last.received_at}|${last.event_id}`) : null };
}

/** Matched runs whose start no request finished (its isolate died, a dependency failed): for the cron. */
export async function unstartedRuns(db: D1Database, olderThan: string, newerThan: string, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT d.event_id, d.workflow, d.revision, d.run_matched, d.run_id, e.type, e.source, e.data, e.time, e.published_by, e.publisher, e.depth
         FROM _event_decisions d JOIN _events e ON e.event_id = d.event_id
        WHERE d.run_id IS NOT NULL AND d.run_error IS NULL AND d.decided_at <= ? AND d.decided_at >= ?
          AND NOT EXISTS (SELECT 1 FROM _runs r WHERE r.run_id = d.run_id)
        ORDER BY d.decided_at LIMIT ?`,
    )
    .bind(olderThan, newerThan, limit)
    .all<{ event_id: string; workflow: string; revision: number; run_matched: string | null; run_id: string; type: string; source: string | null; data: string; time: string; published_by: string; publisher: Publisher; depth: number }>();
  return results;
}
