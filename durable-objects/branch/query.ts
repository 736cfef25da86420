import { type QueryResult, shapeRows } from "../../src/sql/query-result";
import { sqlFailure } from "../../src/sql/sql-failure";

/**
 * Runs one guarded statement in the branch's SQLite, shaped exactly as `POST /v1/query` shapes D1's
 * answer (same caps, same blob form). SQLite's refusals are the caller's SQL: 422.
 */
export function runStatement(sql: SqlStorage, text: string, params: readonly unknown[], writes: boolean): QueryResult {
  const started = Date.now();
  try {
    const cursor = sql.exec(text, ...params);
    const result = shapeRows(cursor.columnNames, cursor.raw(), 0);
    // A write's RETURNING rows are read above; what it changed is then known.
    const changes = writes ? sql.exec<{ n: number }>("SELECT changes() AS n").one().n : 0;
    return { ...result, duration_ms: Date.now() - started, ...(writes ? { changes } : {}) };
  } catch (err) {
    throw sqlFailure(err);
  }
}
