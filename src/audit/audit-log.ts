import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog } from "../db/schema";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";

export type AuditStatus = "success" | "denied";

export interface AuditEntry {
  agentId: string;
  action: string;
  resource: string;
  status: AuditStatus;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** The row of an entry, for statements built without drizzle (a branch merge's raw D1 batch). */
export function auditRow(entry: AuditEntry) {
  return {
    auditId: newId("aud"),
    agentId: entry.agentId,
    action: entry.action,
    resource: entry.resource,
    status: entry.status,
    requestId: entry.requestId ?? null,
    at: isoNow(),
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
  };
}

/** The insert for one `_audit_log` row, to run alone or inside a `db.batch`. */
export function auditInsert(db: Database, entry: AuditEntry) {
  return db.insert(auditLog).values(auditRow(entry));
}

/**
 * For a `db.batch`: records the entry only if the statement just before it changed a row, so that an
 * insert that conflicted or an update that matched nothing leaves no audit row (D1 batches run in order
 * on one connection, so `changes()` reads the previous statement).
 */
export function auditIfChanged(db: Database, entry: AuditEntry) {
  return auditWhere(db, entry, sql`changes() > 0`);
}

/** Records the entry only where `condition` (an SQL expression) holds when the insert runs. */
export function auditWhere(db: Database, entry: AuditEntry, condition: SQL) {
  const r = auditRow(entry);
  // Columns in the table's declared order: the select's values fill them positionally.
  return db
    .insert(auditLog)
    .select(
      sql`SELECT ${r.auditId}, ${r.agentId}, ${r.action}, ${r.resource}, ${r.status}, ${r.requestId}, ${r.at}, ${r.details} WHERE ${condition}`,
    );
}

/**
 * Records many entries in one statement, all of them only where `condition` holds: their rows travel
 * as one JSON parameter (a D1 statement takes at most 100 bound values, fewer than 100 rows' columns).
 */
export function auditEachWhere(db: Database, entries: AuditEntry[], condition: SQL) {
  const rows = JSON.stringify(
    entries.map(auditRow).map((r) => [r.auditId, r.agentId, r.action, r.resource, r.status, r.requestId, r.at, r.details]),
  );
  const column = (i: number) => sql.raw(`json_extract(value, '$[${i}]')`);
  // Columns in the table's declared order, as in auditWhere.
  return db
    .insert(auditLog)
    .select(
      sql`SELECT ${column(0)}, ${column(1)}, ${column(2)}, ${column(3)}, ${column(4)}, ${column(5)}, ${column(6)}, ${column(7)} FROM json_each(${rows}) WHERE ${condition}`,
    );
}
