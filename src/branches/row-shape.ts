import { ApiError, type FieldIssue } from "../http/errors";
import type { SqlValue } from "./sql-text";

/** Users' table and column names in branch writes: plain identifiers, never the system tables' "_" prefix. */
export const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
export const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export type JsonScalarType = "INTEGER" | "REAL" | "TEXT" | "";

/** Rows as the branch stores them: booleans are 0/1, objects and arrays are their JSON text. */
export interface PreparedRows {
  /** Columns in first-seen order. */
  columns: string[];
  rows: Record<string, SqlValue>[];
  /** The declared type a new table would give each column, from the values' JSON types. */
  types: Map<string, JsonScalarType>;
}

function typeOf(value: unknown): JsonScalarType | "mixed-invalid" {
  if (value === null) return "";
  if (typeof value === "boolean") return "INTEGER";
  if (typeof value === "number") return Number.isInteger(value) ? "INTEGER" : "REAL";
  if (typeof value === "string" || typeof value === "object") return "TEXT";
  return "mixed-invalid";
}

function combine(a: JsonScalarType, b: JsonScalarType): JsonScalarType | null {
  if (a === "" || a === b) return b === "" ? a : b;
  if (b === "") return a;
  if ((a === "INTEGER" && b === "REAL") || (a === "REAL" && b === "INTEGER")) return "REAL";
  return null;
}

const toSqlValue = (v: unknown): SqlValue =>
  v === null || typeof v === "string" || typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : JSON.stringify(v);

/**
 * Checks the rows of a branch write and converts them. Every row must be an object of named columns; a
 * column's values must agree in JSON type (numbers mix into REAL; null goes with anything). Any problem is
 * a 400 naming every failing path, and nothing is written.
 */
export function prepareRows(rows: readonly unknown[]): PreparedRows {
  const issues: FieldIssue[] = [];
  const columns: string[] = [];
  const types = new Map<string, JsonScalarType>();
  const prepared: Record<string, SqlValue>[] = [];
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      issues.push({ path: `rows[${i}]`, message: "must be an object of column names to values" });
      return;
    }
    const entries = Object.entries(row as Record<string, unknown>);
    if (entries.length === 0) issues.push({ path: `rows[${i}]`, message: "must name at least one column" });
    const out: Record<string, SqlValue> = {};
    for (const [column, value] of entries) {
      if (!COLUMN_NAME.test(column)) {
        issues.push({ path: `rows[${i}].${column}`, message: "is not a valid column name (letters, digits and _, at most 63)" });
        continue;
      }
      const type = typeOf(value);
      if (type === "mixed-invalid") continue;
      const known = types.get(column);
      if (known === undefined) {
        columns.push(column);
        types.set(column, type);
      } else {
        const combined = combine(known, type);
        if (combined === null) issues.push({ path: `rows[${i}].${column}`, message: `is ${type === "TEXT" ? "text" : "a number"}, but earlier rows hold ${known === "TEXT" ? "text" : "numbers"} in this column` });
        else types.set(column, combined);
      }
      out[column] = toSqlValue(value);
    }
    prepared.push(out);
  });
  if (issues.length > 0) throw new ApiError("invalid_request", `The rows are not a table's rows: ${issues[0]!.path} ${issues[0]!.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`, issues);
  return { columns, rows: prepared, types };
}

/**
 * The primary key a table created from rows gets: `id`, when every row has a non-null integer or text
 * `id` (the common case of records with identities); otherwise none, and the table is keyless (its rows
 * are diffed and merged as a multiset of whole rows).
 */
export function inferredKey(prepared: PreparedRows): string[] {
  const type = prepared.types.get("id");
  if (type !== "INTEGER" && type !== "TEXT") return [];
  return prepared.rows.every((r) => r.id !== undefined && r.id !== null) ? ["id"] : [];
}
