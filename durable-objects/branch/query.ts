import { ApiError } from "../../src/http/errors";

/** The answer of a query, in the shape of `POST /v1/query`. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, string | number | null>[];
  row_count: number;
  duration_ms: number;
  truncated: boolean;
}

export const MAX_RESULT_ROWS = 10_000;

/** Runs one statement in the branch's SQLite; SQLite's refusals are the caller's SQL, so 422. */
export function runStatement(sql: SqlStorage, text: string, params: readonly unknown[]): QueryResult {
  const started = performance.now();
  const rows: Record<string, string | number | null>[] = [];
  let truncated = false;
  let cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
  try {
    cursor = sql.exec(text, ...params);
    for (const row of cursor) {
      if (rows.length === MAX_RESULT_ROWS) {
        truncated = true;
        break;
      }
      rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? hex(v) : v])));
    }
  } catch (err) {
    throw new ApiError("unprocessable", `The statement failed on the branch: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  return { columns: cursor.columnNames, rows, row_count: rows.length, duration_ms: Math.round((performance.now() - started) * 100) / 100, truncated };
}

/** Blobs have no JSON form: they are answered as hex text (as SQLite's hex() would write them). */
const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
