import type { Principal } from "../authz/principal";
import type { Database } from "../db/client";
import { ApiError } from "../http/errors";
import { policySetAt } from "../policy/policy-cache";
import { callerStatement, statementFailure } from "../sql/caller-statement";
import { type GuardedSql, guardSql } from "../sql/guard";
import { type SqlJsonValue, shapeRaw } from "../sql/query-result";
import { cachedCatalog, lastCatalog, loadCatalog } from "../sql/schema-catalog";
import { sqlFailure } from "../sql/sql-failure";
import type { Json } from "../workflows/definition/types";
import { authorDecision, authorPrincipal } from "./author";
import { flattenSchemaNames } from "./schema-qualified-names";

/**
 * A polling trigger's `condition`: read-only SQL through the same guard as /v1/query, with the
 * permissions of the workflow's author. Checked when the workflow is put (a condition that writes, or
 * reads a table the author may not read, is a 400 there) and again before every poll (the author's role
 * or the policies may have changed since). Rows of protected system tables are filtered by the row rule
 * for the author, as for any caller of /v1/query.
 */
export type ConditionCheck = { ok: true; guarded: GuardedSql } | { ok: false; reason: string };

export type PollResult =
  | { outcome: "started"; row: Record<string, Json>; sql: string }
  | { outcome: "idle"; value: Json; sql: string }
  | { outcome: "failed"; error: { code: string; message: string }; sql: string };

/** The guard, asked for one row: a poll reads the first row's first column only. */
async function guardCondition(db: D1Database, sql: string): Promise<GuardedSql> {
  const stale = lastCatalog();
  let guarded = guardSql(sql, { views: stale?.views, indexes: stale?.indexes, rowLimit: 1 });
  if (!cachedCatalog(guarded.tables.map((t) => t.name))) {
    const fresh = await loadCatalog(db).catch((err: unknown) => Promise.reject(sqlFailure(err)));
    guarded = guardSql(sql, { views: fresh.views, indexes: fresh.indexes, rowLimit: 1 });
  }
  return guarded;
}

/** Whether `principal` may run `condition` as a poll, and the statement to run if so. */
export async function checkCondition(env: Env, db: Database, principal: Principal, condition: string, now: Date, requestId: string): Promise<ConditionCheck> {
  const sql = flattenSchemaNames(condition);
  let guarded: GuardedSql;
  try {
    guarded = await guardCondition(env.DB, sql);
  } catch (error) {
    // The guard's refusals (a statement kind, a function, a table never reachable, SQL that does not
    // parse) are the condition's fault; anything else (D1 unavailable) is not, and propagates.
    if (error instanceof ApiError && error.status < 500) return { ok: false, reason: error.message };
    throw error;
  }
  if (guarded.kind !== "read") return { ok: false, reason: `a condition must be read-only (a SELECT); this statement is a ${guarded.kind}` };
  if (guarded.parameterCount > 0) return { ok: false, reason: "a condition cannot have parameters (?, :name): nothing binds them; write the values in" };
  for (const table of guarded.tables) {
    const decision = await authorDecision(db, principal, "query:read", { type: "table", id: table.name }, { now, requestId });
    if (!decision.allowed) {
      return { ok: false, reason: `the workflow's author '${principal.agentId}' may not read table '${table.name}': ${decision.reason}` };
    }
  }
  return { ok: true, guarded };
}

/**
 * "Non-zero, non-null": NULL, the number 0, and text that reads as zero ('0', '0.0', '') are idle; any
 * other value (a count above 0, 'ready', a blob) starts a run.
 */
export function startsRun(value: SqlJsonValue | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed !== "" && !(Number.isFinite(Number(trimmed)) && Number(trimmed) === 0);
  }
  return value.length > 0;
}

/** One poll: check the condition as the author, run it, and read the first column of the first row. */
export async function pollCondition(env: Env, db: Database, author: string, condition: string, now: Date, requestId: string): Promise<PollResult> {
  const sql = flattenSchemaNames(condition);
  const failed = (code: string, message: string): PollResult => ({ outcome: "failed", error: { code, message }, sql });
  const principal = await authorPrincipal(db, author);
  if (!principal) return failed("author_missing", `the workflow's author '${author}' no longer exists; put the workflow again as an existing agent`);
  const check = await checkCondition(env, db, principal, condition, now, requestId);
  if (!check.ok) return failed("refused", check.reason);
  let raw: unknown[][];
  try {
    // As /v1/query runs it for the author: the row rule keeps out rows of protected system tables the
    // author may not read (a count over `_runs` counts only the author's visible runs), and work is bounded.
    const statement = await callerStatement(env.DB, check.guarded, [], {
      principal,
      policies: () => policySetAt(db, principal.policySetVersion),
      requestId,
    });
    raw = await env.DB.prepare(statement.sql)
      .raw({ columnNames: true })
      .catch((error: unknown) => Promise.reject(statementFailure(statement, error)));
  } catch (error) {
    const failure = error instanceof ApiError ? error : sqlFailure(error);
    return failed(failure.code, failure.message);
  }
  const result = shapeRaw(raw, 0);
  const [first] = result.rows;
  const column = result.columns[0];
  if (!first || column === undefined) return { outcome: "idle", value: null, sql };
  const value = first[column];
  return startsRun(value) ? { outcome: "started", row: first as Record<string, Json>, sql } : { outcome: "idle", value: value ?? null, sql };
}
