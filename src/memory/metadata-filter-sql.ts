import { type SQL, and, not, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { FilterCondition, VectorFilter, VectorMetadataValue } from "./vector-index/vector-index";

/**
 * The contract's metadata filter as SQL over a JSON text column, with the same semantics as the
 * in-memory matcher (metadata-filter.ts): values compare by JSON type, so a number never equals a
 * string and `$gt` never crosses types; a missing field matches only `$ne` and `$nin`.
 */
export function metadataFilterSql(column: SQLiteColumn, filter: VectorFilter): SQL | undefined {
  const clauses = Object.entries(filter).map(([field, condition]) => fieldSql(column, field, condition));
  return clauses.length ? and(...clauses) : undefined;
}

type Comparison = "=" | ">" | ">=" | "<" | "<=";
const RANGE: Record<string, Comparison> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

function fieldSql(column: SQLiteColumn, field: string, condition: FilterCondition): SQL {
  const path = `$."${field}"`;
  if (condition === null || typeof condition !== "object") return equals(column, path, condition);
  const parts: SQL[] = [];
  for (const [op, value] of Object.entries(condition)) {
    if (op === "$eq") parts.push(equals(column, path, value as VectorMetadataValue));
    else if (op === "$ne") parts.push(negate(equals(column, path, value as VectorMetadataValue)));
    else if (op === "$in") parts.push(anyOf(column, path, value as VectorMetadataValue[]));
    else if (op === "$nin") parts.push(negate(anyOf(column, path, value as VectorMetadataValue[])));
    else if (op in RANGE) parts.push(compare(column, path, RANGE[op]!, value as VectorMetadataValue));
  }
  return and(...parts) ?? sql`1`;
}

/** A comparison that is true only when the stored value has the same JSON type as `value`. */
function compare(column: SQLiteColumn, path: string, op: Comparison, value: VectorMetadataValue): SQL {
  const type = sql`json_type(${column}, ${path})`;
  const stored = sql`json_extract(${column}, ${path})`;
  if (typeof value === "number") return sql`(${type} IN ('integer', 'real') AND ${stored} ${sql.raw(op)} ${value})`;
  if (typeof value === "string") return sql`(${type} = 'text' AND ${stored} ${sql.raw(op)} ${value})`;
  if (op !== "=") return sql`0`; // booleans and null have no order
  if (typeof value === "boolean") return sql`(${type} = ${value ? "true" : "false"})`;
  return sql`(${type} = 'null')`;
}

const equals = (column: SQLiteColumn, path: string, value: VectorMetadataValue) => compare(column, path, "=", value);

/**
 * `$in` as one membership test per JSON type, each list bound as one JSON parameter: D1 allows 100 bound
 * parameters a statement, and a list may hold up to 100 values.
 */
function anyOf(column: SQLiteColumn, path: string, values: VectorMetadataValue[]): SQL {
  const type = sql`json_type(${column}, ${path})`;
  const stored = sql`json_extract(${column}, ${path})`;
  const numbers = values.filter((v) => typeof v === "number");
  const strings = values.filter((v) => typeof v === "string");
  const clauses: SQL[] = [];
  if (numbers.length) clauses.push(sql`(${type} IN ('integer', 'real') AND ${stored} IN (SELECT value FROM json_each(${JSON.stringify(numbers)})))`);
  if (strings.length) clauses.push(sql`(${type} = 'text' AND ${stored} IN (SELECT value FROM json_each(${JSON.stringify(strings)})))`);
  for (const v of values) if (typeof v === "boolean" || v === null) clauses.push(equals(column, path, v));
  return or(...clauses) ?? sql`0`;
}

/** NOT that treats "unknown" (a missing field) as false first, so `$ne`/`$nin` match a missing field. */
const negate = (clause: SQL) => not(sql`COALESCE(${clause}, 0)`);
