import { ApiError } from "../http/errors";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import { type GuardedSql, guardSql } from "./guard";
import { QUERY_CAPS, type QueryResult, shapeObjects, shapeRaw } from "./query-result";
import { cachedCatalog, forgetCatalog, lastCatalog, loadCatalog } from "./schema-catalog";
import type { SqlParam } from "./schemas";
import { sqlFailure } from "./sql-failure";

// Running a user's statement on D1, once the guard has read it and the route has authorised it.

/** Guards the SQL against the current catalog (read again if the statement names something it does not know). */
export async function guardWithCatalog(db: D1Database, sql: string, params: readonly SqlParam[]): Promise<GuardedSql> {
  const rowLimit = QUERY_CAPS.maxRows + 1;
  const stale = lastCatalog();
  let guarded = guardSql(sql, { views: stale?.views, indexes: stale?.indexes, rowLimit });
  if (!cachedCatalog(guarded.tables.map((t) => t.name))) {
    const fresh = await loadCatalog(db).catch((err: unknown) => Promise.reject(sqlFailure(err)));
    guarded = guardSql(sql, { views: fresh.views, indexes: fresh.indexes, rowLimit });
  }
  if (params.length !== guarded.parameterCount) {
    const placeholders = `${guarded.parameterCount} placeholder${guarded.parameterCount === 1 ? "" : "s"}`;
    throw new ApiError("invalid_request", `The statement has ${placeholders} but ${params.length} param${params.length === 1 ? " was" : "s were"} sent.`, [
      { path: "params", message: `must hold exactly ${guarded.parameterCount} values` },
    ]);
  }
  return guarded;
}

const bindable = (params: readonly SqlParam[]) => params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));

/** A read: rows with their column names (also when there are none), capped. */
export async function runRead(db: D1Database, guarded: GuardedSql, params: readonly SqlParam[]): Promise<QueryResult> {
  const started = Date.now();
  try {
    const raw = await db.prepare(guarded.sql).bind(...bindable(params)).raw({ columnNames: true });
    return shapeRaw(raw, Date.now() - started);
  } catch (err) {
    throw sqlFailure(err);
  }
}

export interface ChangeAudit {
  agentId: string;
  requestId?: string;
}

const AUDIT_SQL =
  "INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details) " +
  "VALUES (?, ?, 'query:write', ?, 'success', ?, ?, CASE WHEN ? THEN json_set(?, '$.changes', changes()) ELSE ? END)";

/**
 * A write or schema change, and its `_audit_log` row, in one D1 batch (one transaction): the change is
 * never kept without its audit row. The row names the first table changed; its details list them all,
 * with the statement's kind, the rows it changed (`changes()`, read right after it) and its SQL without
 * literal values (`?` for each) with that text's SHA-256: the audit log, readable by SQL, must not hand
 * out the values a statement wrote to a table its reader may not read. Parameter values are not kept.
 */
export async function runChange(db: D1Database, guarded: GuardedSql, params: readonly SqlParam[], audit: ChangeAudit): Promise<QueryResult> {
  const changed = guarded.tables.filter((t) => t.access !== "read").map((t) => t.name);
  const details = JSON.stringify({ kind: guarded.kind, tables: changed, sql: guarded.digest?.text.slice(0, 2000) ?? null, sql_sha256: guarded.digest?.hash ?? null });
  const isWrite = guarded.kind === "write" ? 1 : 0;
  const started = Date.now();
  try {
    const [result] = await db.batch<Record<string, unknown>>([
      db.prepare(guarded.sql).bind(...bindable(params)),
      db
        .prepare(AUDIT_SQL)
        .bind(newId("aud"), audit.agentId, `table:${changed[0] ?? "-"}`, audit.requestId ?? null, isoNow(), isWrite, details, details),
    ]);
    if (guarded.kind === "schema") forgetCatalog();
    const shaped = shapeObjects(result?.results ?? [], Date.now() - started);
    return guarded.kind === "write" ? { ...shaped, changes: result?.meta.changes ?? 0 } : shaped;
  } catch (err) {
    throw sqlFailure(err);
  }
}
