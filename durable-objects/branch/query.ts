import { type CallerStatement, statementFailure } from "../../src/sql/caller-statement";
import { type QueryResult, shapeRows } from "../../src/sql/query-result";
import { rewriteStatement } from "../../src/sql/rewrite-reads";
import type { SqlParam } from "../../src/sql/schemas";
import { statementPlan } from "../../src/sql/statement-plan";
import { tableSizesIn } from "../../src/sql/table-sizes";
import { boundWork, tablesToSize } from "../../src/sql/work-bounds";

/**
 * The work bounds of `POST /v1/query`, against the branch's tables (views are main's alone): 422 above
 * the limit; otherwise the statement, with any json_each value it multiplies bounded at run time.
 */
export function boundedInBranch(sql: SqlStorage, text: string, params: readonly SqlParam[], simple: boolean): CallerStatement {
  const shape = simple ? null : statementPlan(text).shape;
  if (!shape) return { sql: text, capped: false };
  const viewShape = () => undefined;
  const sizes = tableSizesIn(sql, tablesToSize(shape, { viewShape, params }));
  const { capped } = boundWork(shape, { tableRows: (name) => sizes.get(name) ?? 1, viewShape, params });
  return { sql: rewriteStatement(text, new Map(), new Map(), capped), capped: capped.length > 0 };
}

/**
 * Runs one guarded statement in the branch's SQLite, shaped exactly as `POST /v1/query` shapes D1's
 * answer (same caps, same blob form). SQLite's refusals are the caller's SQL: 422.
 */
export function runStatement(sql: SqlStorage, statement: CallerStatement, params: readonly unknown[], writes: boolean): QueryResult {
  const started = Date.now();
  try {
    const cursor = sql.exec(statement.sql, ...params);
    const result = shapeRows(cursor.columnNames, cursor.raw(), 0);
    // A write's RETURNING rows are read above; what it changed is then known.
    const changes = writes ? sql.exec<{ n: number }>("SELECT changes() AS n").one().n : 0;
    return { ...result, duration_ms: Date.now() - started, ...(writes ? { changes } : {}) };
  } catch (err) {
    throw statementFailure(statement, err);
  }
}
