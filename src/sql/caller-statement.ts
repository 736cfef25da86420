import { readablePredicates } from "../authz/readable-rows";
import type { Principal } from "../authz/principal";
import { ApiError } from "../http/errors";
import type { PolicySet } from "../policy/policy-set";
import type { GuardedSql } from "./guard";
import { rewriteStatement } from "./rewrite-reads";
import { isProtectedTable } from "./row-rules";
import { lastCatalog } from "./schema-catalog";
import type { SqlParam } from "./schemas";
import { sqlFailure } from "./sql-failure";
import { statementPlan, viewPlan } from "./statement-plan";
import { tableSizes } from "./table-sizes";
import { WORK_LIMITS, type WorkContext, boundWork, tablesToSize } from "./work-bounds";

/** A guarded statement as one caller runs it on D1. */
export interface CallerStatement {
  sql: string;
  /** Some json_each argument is bounded at run time: a "malformed JSON" error may mean it met the bound. */
  capped: boolean;
}

export interface Caller {
  principal: Principal;
  policies: () => Promise<PolicySet>;
  requestId: string;
}

/**
 * The statement to run for this caller: the rows of protected system tables it may not read filtered
 * out wherever the statement reads them (the row rule), and its work bounded (422 above the limit).
 * A simple statement over an ordinary table comes back as the guard produced it, with no I/O.
 */
export async function callerStatement(db: D1Database, guarded: GuardedSql, params: readonly SqlParam[], caller: Caller): Promise<CallerStatement> {
  const protectedReads = guarded.tables.filter((t) => t.access === "read" && isProtectedTable(t.name)).map((t) => t.name);
  const predicates =
    protectedReads.length === 0
      ? new Map<string, string | null>()
      : await readablePredicates(db, caller.principal, await caller.policies(), protectedReads, { now: new Date(), request_id: caller.requestId });
  const capped = guarded.simple ? [] : await boundedWork(db, guarded, params);
  return { sql: rewriteStatement(guarded.sql, predicates, guarded.views, capped), capped: capped.length > 0 };
}

/** The work bounds on D1: sizes are read only when sources multiply. */
async function boundedWork(db: D1Database, guarded: GuardedSql, params: readonly SqlParam[]): Promise<[number, number][]> {
  const shape = statementPlan(guarded.sql).shape;
  if (!shape) return [];
  const viewShape = (name: string) => {
    const definition = guarded.views.get(name);
    return definition === undefined ? undefined : viewPlan(definition).shape;
  };
  const names = tablesToSize(shape, { viewShape, params });
  const sizes = names.length ? await tableSizes(db, names, lastCatalog()).catch((err: unknown) => Promise.reject(sqlFailure(err))) : new Map<string, number>();
  const context: WorkContext = { tableRows: (name) => sizes.get(name) ?? 1, viewShape, params };
  return boundWork(shape, context).capped;
}

/** What the database said, or, where a bounded value met its bound, which bound and what to do. */
export function statementFailure(statement: Pick<CallerStatement, "capped">, err: unknown): ApiError {
  const failure = sqlFailure(err);
  if (!statement.capped || failure.code !== "unprocessable" || !/malformed JSON/i.test(failure.message)) return failure;
  return new ApiError(
    "unprocessable",
    `${failure.message}. This statement unnests a computed or stored value with json_each or json_tree where it multiplies with ` +
      `other rows; such a value may be at most ${WORK_LIMITS.jsonValueChars.toLocaleString("en-US")} characters (longer ones are cut, ` +
      "which makes them malformed). Unnest it on its own (one table and json_each over its column), or pass the array as a parameter.",
    { reason: "unbounded_work", sqlite_code: (failure.details as { sqlite_code?: string } | undefined)?.sqlite_code },
    { cause: err },
  );
}
