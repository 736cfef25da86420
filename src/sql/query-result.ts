// The answer of a query, shaped the same way wherever the rows come from: D1 (`raw({columnNames: true})`
// or the objects of a batch) or a Durable Object's `ctx.storage.sql` cursor (`columnNames` + `raw()`).
// Rows stop at the caps, and `truncated` says so: a supervisor's careless SELECT * never exhausts the
// Worker's memory or the client's patience.

/** A value as JSON carries it: blobs become arrays of byte values (as D1 returns them). */
export type SqlJsonValue = string | number | null | number[];

export interface QueryCaps {
  maxRows: number;
  /** Measured as the JSON text of the rows, in UTF-16 code units (close to bytes for most text). */
  maxBytes: number;
}

export const QUERY_CAPS: QueryCaps = { maxRows: 10_000, maxBytes: 4 * 1024 * 1024 };

export interface QueryResult {
  columns: string[];
  rows: Record<string, SqlJsonValue>[];
  row_count: number;
  duration_ms: number;
  truncated: boolean;
  /** Rows inserted, updated or deleted, for a write. */
  changes?: number;
}

function jsonValue(value: unknown): SqlJsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  if (Array.isArray(value)) return value.map((v) => (typeof v === "number" ? v : 0));
  return String(value);
}

/**
 * Shapes positional rows under `columns`. When two columns share a name (`SELECT a.id, b.id`) the later
 * one wins in the row object, as in D1's own objects; `columns` still lists both.
 */
export function shapeRows(
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
  durationMs: number,
  caps: QueryCaps = QUERY_CAPS,
): QueryResult {
  const out: Record<string, SqlJsonValue>[] = [];
  let bytes = 2;
  let truncated = false;
  for (const row of rows) {
    if (out.length >= caps.maxRows) {
      truncated = true;
      break;
    }
    const shaped: Record<string, SqlJsonValue> = {};
    for (const [i, column] of columns.entries()) shaped[column] = jsonValue(row[i]);
    bytes += JSON.stringify(shaped).length + 1;
    if (bytes > caps.maxBytes) {
      truncated = true;
      break;
    }
    out.push(shaped);
  }
  return { columns: [...columns], rows: out, row_count: out.length, duration_ms: durationMs, truncated };
}

/** Shapes the row objects of a D1 batch result (whose column names are the first row's keys). */
export function shapeObjects(rows: readonly Record<string, unknown>[], durationMs: number, caps: QueryCaps = QUERY_CAPS): QueryResult {
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  return shapeRows(
    columns,
    rows.map((row) => columns.map((c) => row[c])),
    durationMs,
    caps,
  );
}

/** Shapes `D1PreparedStatement.raw({columnNames: true})`: the column names, then the rows. */
export function shapeRaw(raw: readonly unknown[][], durationMs: number, caps: QueryCaps = QUERY_CAPS): QueryResult {
  const [columns = [], ...rows] = raw;
  return shapeRows(columns.map(String), rows, durationMs, caps);
}
