import { type PreparedRows, inferredKey } from "../../src/branches/row-shape";
import { jsonAt, quoteIdent } from "../../src/branches/sql-text";
import { ApiError } from "../../src/http/errors";
import { hasTable, tableShape } from "./branch-schema";

export type WriteMode = "insert" | "upsert";

/** Creates a table from the rows: their keys are its columns, their JSON types its column types. */
function createFromRows(sql: SqlStorage, table: string, prepared: PreparedRows) {
  const key = inferredKey(prepared);
  const columns = prepared.columns.map((c) => `${quoteIdent(c)}${prepared.types.get(c) ? ` ${prepared.types.get(c)}` : ""}${key.length === 1 && key[0] === c ? " PRIMARY KEY NOT NULL" : ""}`);
  sql.exec(`CREATE TABLE ${quoteIdent(table)} (${columns.join(", ")})`);
}

/**
 * Writes rows into a branch table (already taken from main, or created here). Rows are grouped by the
 * columns they name, so a row that leaves a column out keeps its default (insert) or its value (upsert).
 * The caller runs this inside one storage transaction: a failing row writes nothing.
 */
export function writeRows(sql: SqlStorage, table: string, prepared: PreparedRows, mode: WriteMode): number {
  if (!hasTable(sql, table)) {
    if (mode === "upsert" && inferredKey(prepared).length === 0)
      throw new ApiError("invalid_request", `Table '${table}' does not exist and the rows have no 'id' to make its primary key, so they cannot be upserted; insert them instead.`, [{ path: "mode", message: "upsert needs a primary key" }]);
    createFromRows(sql, table, prepared);
  }
  const shape = tableShape(sql, table);
  const known = new Set(shape.columns.map((c) => c.name));
  const unknown = prepared.columns.filter((c) => !known.has(c));
  if (unknown.length > 0)
    throw new ApiError(
      "invalid_request",
      `Table '${table}' has no column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `'${c}'`).join(", ")}; its columns are ${[...known].join(", ")}.`,
      unknown.map((c) => ({ path: `rows[${prepared.rows.findIndex((r) => c in r)}].${c}`, message: "is not a column of the table" })),
    );
  if (mode === "upsert") {
    if (shape.keyColumns.length === 0)
      throw new ApiError("invalid_request", `Table '${table}' has no primary key, so rows cannot be upserted; insert them instead.`, [{ path: "mode", message: "upsert needs a primary key" }]);
    const missing = prepared.rows.findIndex((r) => shape.keyColumns.some((k) => r[k] === undefined || r[k] === null));
    if (missing >= 0)
      throw new ApiError("invalid_request", `An upsert row needs its key (${shape.keyColumns.join(", ")}).`, [{ path: `rows[${missing}]`, message: `must have ${shape.keyColumns.join(", ")}` }]);
  }

  const groups = new Map<string, { columns: string[]; rows: unknown[][] }>();
  for (const row of prepared.rows) {
    const columns = Object.keys(row);
    const signature = columns.join("\u0000");
    let group = groups.get(signature);
    if (!group) groups.set(signature, (group = { columns, rows: [] }));
    group.rows.push(columns.map((c) => row[c] ?? null));
  }
  let written = 0;
  for (const { columns, rows } of groups.values()) {
    const nonKey = columns.filter((c) => !shape.keyColumns.includes(c));
    const upsert =
      mode === "upsert"
        ? ` WHERE true ON CONFLICT (${shape.keyColumns.map(quoteIdent).join(", ")}) DO ${nonKey.length ? `UPDATE SET ${nonKey.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(", ")}` : "NOTHING"}`
        : "";
    const cursor = runWithSqliteErrors(() =>
      sql.exec(
        `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) SELECT ${columns.map((_, i) => jsonAt("j.value", i)).join(", ")} FROM json_each(?) AS j${upsert}`,
        JSON.stringify(rows),
      ),
    );
    void cursor;
    written += rows.length;
  }
  return written;
}

/** SQLite's refusals of a row are the caller's: a taken key is 409, any other constraint 400. */
function runWithSqliteErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/UNIQUE constraint failed|PRIMARY KEY/i.test(message))
      throw new ApiError("conflict", `A row with that key already exists on the branch (${message.replace(/^.*?: /, "")}); use mode "upsert" to replace it.`, { reason: "duplicate_key" }, { cause: err });
    if (/constraint failed|datatype mismatch/i.test(message))
      throw new ApiError("invalid_request", `A row breaks the table's constraints: ${message}.`, [{ path: "rows", message }], { cause: err });
    throw err;
  }
}
