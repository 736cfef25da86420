import { auditRow } from "../audit/audit-log";
import { jsonSchemaProblems } from "../catalog/json-schema-check";
import { ApiError, notFound } from "../http/errors";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { isoNow } from "../lib/time";
import type { Json } from "../workflows/definition/types";
import { PLATFORM_EVENT_TYPES, isPlatformEventType, platformEventType } from "./platform-types";
import { type RegisteredEventType, eventTypeFromRow } from "./routing-cache";

// Registered event types in D1. Each change gives the routing a new version in the same batch, so every
// isolate's filters compile again against the new schema on their next event (a changed enum is a changed
// order of levels). Saved workflows are not checked again: a filter that no longer fits its type matches
// nothing, and each event's decision says why.

type Audit = { agentId: string; requestId?: string };

export interface EventTypeJson {
  type: string;
  schema: Json;
  description: string | null;
  version: number;
  platform: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export const eventTypeJson = (t: RegisteredEventType): EventTypeJson => ({
  type: t.type,
  schema: t.schema as Json,
  description: t.description,
  version: t.version,
  platform: t.platform,
  created_by: t.createdBy,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

const BUMP_IF_CHANGED = "UPDATE _event_routing SET version = ? WHERE id = 1 AND changes() > 0";
const AUDIT_IF_CHANGED = `INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details)
  SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0`;

function auditStatement(db: D1Database, audit: Audit, action: string, type: string, details: Record<string, unknown>) {
  const r = auditRow({ ...audit, action, resource: `event:${type}`, status: "success", details });
  return db.prepare(AUDIT_IF_CHANGED).bind(r.auditId, r.agentId, r.action, r.resource, r.status, r.requestId, r.at, r.details);
}

function refusePlatform(type: string): void {
  if (isPlatformEventType(type))
    throw new ApiError("invalid_request", `'${type}' is a platform event type: Switchyard publishes it and its schema is fixed (GET /v1/event-types/${type}).`, [
      { path: "type", message: "is a platform event type" },
    ]);
}

/** Registers or changes a type; `created` when it did not exist. A body equal to what is stored changes nothing. */
export async function putEventType(
  db: D1Database,
  type: string,
  input: { schema: unknown; description?: string | null | undefined },
  audit: Audit,
): Promise<{ created: boolean; eventType: EventTypeJson }> {
  refusePlatform(type);
  const problems = jsonSchemaProblems(input.schema);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new ApiError(
      "invalid_request",
      `The schema is not a valid JSON Schema: ${first.path ? `schema.${first.path}` : "schema"} ${first.message}.`,
      problems.map((p) => ({ path: p.path ? `schema.${p.path}` : "schema", message: p.message })),
    );
  }
  const now = isoNow();
  const schema = JSON.stringify(input.schema);
  const description = input.description ?? null;
  const [saved] = await db.batch([
    db
      .prepare(
        `INSERT INTO _event_types (type, schema, description, version, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)
         ON CONFLICT (type) DO UPDATE SET schema = excluded.schema, description = excluded.description, version = _event_types.version + 1,
           updated_at = excluded.updated_at
         WHERE _event_types.schema IS NOT excluded.schema OR _event_types.description IS NOT excluded.description
         RETURNING *`,
      )
      .bind(type, schema, description, audit.agentId, now),
    db.prepare(BUMP_IF_CHANGED).bind(crypto.randomUUID()),
    auditStatement(db, audit, "event:define", type, { schema_bytes: schema.length }),
  ]);
  const row = saved?.results[0] as Parameters<typeof eventTypeFromRow>[0] | undefined;
  if (row) return { created: row.version === 1 && row.created_at === now, eventType: eventTypeJson(eventTypeFromRow(row)) };
  return { created: false, eventType: eventTypeJson(await getEventType(db, type)) };
}

/** A registered or platform type; 404 otherwise. */
export async function getEventType(db: D1Database, type: string): Promise<RegisteredEventType> {
  const platform = platformEventType(type);
  if (platform) return platform;
  const row = await db.prepare("SELECT * FROM _event_types WHERE type = ?").bind(type).first<Parameters<typeof eventTypeFromRow>[0]>();
  if (!row) throw notFound("Event type", type);
  return eventTypeFromRow(row);
}

/** Registered and platform types together, by name. */
export async function listEventTypes(db: D1Database, limit: number, cursor: string | undefined): Promise<{ items: EventTypeJson[]; next_cursor: string | null }> {
  const after = decodeCursor(cursor);
  const { results } = await db
    .prepare(`SELECT * FROM _event_types ${after === undefined ? "" : "WHERE type > ?"} ORDER BY type LIMIT ?`)
    .bind(...(after === undefined ? [limit + 1] : [after, limit + 1]))
    .all<Parameters<typeof eventTypeFromRow>[0]>();
  const merged = [
    ...results.map(eventTypeFromRow),
    ...PLATFORM_EVENT_TYPES.filter((t) => after === undefined || t > after).map((t) => platformEventType(t)!),
  ].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const items = merged.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(eventTypeJson), next_cursor: merged.length > limit && last ? encodeCursor(last.type) : null };
}

/** Removes a registered type: its events are no longer checked, and filters on it compare as for an unregistered type. */
export async function deleteEventType(db: D1Database, type: string, audit: Audit): Promise<void> {
  refusePlatform(type);
  const [deleted] = await db.batch([
    db.prepare("DELETE FROM _event_types WHERE type = ? RETURNING type").bind(type),
    db.prepare(BUMP_IF_CHANGED).bind(crypto.randomUUID()),
    auditStatement(db, audit, "event:define", type, { deleted: true }),
  ]);
  if ((deleted?.results.length ?? 0) === 0) throw notFound("Event type", type);
}
