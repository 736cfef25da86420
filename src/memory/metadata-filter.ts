import {
  type FilterCondition,
  type FilterOperator,
  type VectorFilter,
  type VectorMetadata,
  type VectorMetadataValue,
  VectorIndexError,
} from "./vector-index/vector-index";

/**
 * The contract's metadata filter, evaluated in memory: the local vector index and the Vectorize fake
 * both use it, and metadata-filter-sql.ts states the same rules in SQL for D1.
 *
 * - Values compare by JSON type: a number never equals a string, `true` never equals `1`.
 * - `$gt $gte $lt $lte` compare numbers numerically and strings as text (code point order, as SQLite
 *   compares UTF-8 text), and never across types; booleans and null have no order.
 * - `$in`/`$nin` take arrays; a plain value means `$eq`; several operators on one field must all hold.
 * - Every field of the filter must match; a field the metadata lacks matches only `$ne` and `$nin`.
 */
export type MetadataPredicate = (metadata: VectorMetadata | undefined) => boolean;

/** True when `metadata` satisfies `filter` (no filter, or an empty one, matches everything). */
export function matchesFilter(metadata: VectorMetadata | undefined, filter: VectorFilter | undefined): boolean {
  return compileFilter(filter)(metadata);
}

/**
 * Checks the filter once and returns a predicate that only compares values, for scanning many vectors.
 * Throws `VectorIndexError` for an operator the contract does not have, or an operand of the wrong shape.
 */
export function compileFilter(filter: VectorFilter | undefined): MetadataPredicate {
  const fields = Object.entries(filter ?? {}).map(([field, condition]) => ({ field, test: conditionTest(field, condition) }));
  if (fields.length === 0) return () => true;
  return (metadata) => {
    for (const { field, test } of fields) {
      // Own properties only: a field named "constructor" must not find Object.prototype's.
      const value = metadata !== undefined && Object.hasOwn(metadata, field) ? metadata[field] : undefined;
      if (!test(value)) return false;
    }
    return true;
  };
}

/** `undefined` stands for a field the metadata does not have. */
type ValueTest = (value: VectorMetadataValue | undefined) => boolean;

function conditionTest(field: string, condition: FilterCondition): ValueTest {
  if (condition === null || typeof condition !== "object") return operatorTest(field, "$eq", condition);
  if (Array.isArray(condition)) throw invalid(field, "a list is only allowed under $in or $nin");
  const tests = Object.entries(condition).map(([op, operand]) => operatorTest(field, op, operand));
  if (tests.length === 0) throw invalid(field, "an operator object needs at least one of $eq $ne $in $nin $gt $gte $lt $lte");
  return (value) => tests.every((test) => test(value));
}

function operatorTest(field: string, op: string, operand: unknown): ValueTest {
  switch (op as FilterOperator) {
    case "$eq": {
      const target = scalar(field, op, operand);
      return (value) => value !== undefined && sameJsonValue(value, target);
    }
    case "$ne": {
      const target = scalar(field, op, operand);
      return (value) => value === undefined || !sameJsonValue(value, target);
    }
    case "$in": {
      const targets = list(field, op, operand);
      return (value) => value !== undefined && targets.some((t) => sameJsonValue(value, t));
    }
    case "$nin": {
      const targets = list(field, op, operand);
      return (value) => value === undefined || !targets.some((t) => sameJsonValue(value, t));
    }
    case "$gt":
      return rangeTest(field, op, operand, (order) => order > 0);
    case "$gte":
      return rangeTest(field, op, operand, (order) => order >= 0);
    case "$lt":
      return rangeTest(field, op, operand, (order) => order < 0);
    case "$lte":
      return rangeTest(field, op, operand, (order) => order <= 0);
    default:
      throw invalid(field, `'${op}' is not an operator; use one of $eq $ne $in $nin $gt $gte $lt $lte`);
  }
}

function rangeTest(field: string, op: string, operand: unknown, holds: (order: number) => boolean): ValueTest {
  if (typeof operand === "number" && Number.isFinite(operand)) {
    return (value) => typeof value === "number" && holds(value < operand ? -1 : value > operand ? 1 : 0);
  }
  if (typeof operand === "string") {
    return (value) => typeof value === "string" && holds(compareText(value, operand));
  }
  throw invalid(field, `${op} compares with a number or a string`);
}

function sameJsonValue(a: VectorMetadataValue, b: VectorMetadataValue): boolean {
  // `===` already refuses to equate different JSON types (1 vs "1", true vs 1, null vs "null").
  return a === b;
}

/**
 * Orders strings by code point, as SQLite orders UTF-8 text. JavaScript's `<` orders UTF-16 code units,
 * which disagrees only where a surrogate (a code point above U+FFFF) meets a character in U+E000–U+FFFF.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function scalar(field: string, op: string, operand: unknown): VectorMetadataValue {
  if (isScalar(operand)) return operand;
  throw invalid(field, `${op} takes a string, number, boolean or null`);
}

function list(field: string, op: string, operand: unknown): VectorMetadataValue[] {
  if (Array.isArray(operand) && operand.every(isScalar)) return operand;
  throw invalid(field, `${op} takes a list of strings, numbers, booleans or nulls`);
}

function isScalar(v: unknown): v is VectorMetadataValue {
  return v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

const invalid = (field: string, why: string) => new VectorIndexError(`Invalid filter on '${field}': ${why}.`);
