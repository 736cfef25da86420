// Small SQL-text helpers shared by the branch object (its own SQLite) and the merge (D1). Values travel
// between them as one JSON parameter per statement, unpacked by `json_each`: this keeps every statement
// under the 100-bound-parameter limit of both D1 and Durable Object SQLite, however many rows it moves.

/** A value as SQLite and JSON both carry it. Blobs are not supported in branched tables. */
export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Prefix of the branch object's own tables; users' tables never start with "_" (those are system tables). */
export const INTERNAL_PREFIX = "_sy_";
/** The merge base of a taken table, kept beside it in the branch's SQLite. */
export const baseTableOf = (table: string) => `${INTERNAL_PREFIX}base_${table}`;

export const isSystemTable = (name: string) => name.startsWith("_");

/** `json_extract(<source>, '$[i]')`: the i-th value of a JSON array. */
export const jsonAt = (source: string, i: number) => `json_extract(${source}, '$[${i}]')`;

/** `a.x IS json_extract(src,'$[o]') AND …`: whole-row or whole-key equality against a JSON array. */
export function matchesJson(alias: string, columns: readonly string[], source: string, offset = 0): string {
  if (columns.length === 0) return "1";
  return columns.map((c, i) => `${alias}.${quoteIdent(c)} IS ${jsonAt(source, offset + i)}`).join(" AND ");
}

/** `json_array(a.x, a.y)`: a row as one JSON value, in the given column order. */
export const jsonArrayOf = (alias: string, columns: readonly string[]) =>
  `json_array(${columns.map((c) => `${alias}.${quoteIdent(c)}`).join(", ")})`;

/** `json_object('x', a.x, …)`. */
export const jsonObjectOf = (alias: string, columns: readonly string[]) =>
  `json_object(${columns.map((c) => `'${c.replace(/'/g, "''")}', ${alias}.${quoteIdent(c)}`).join(", ")})`;

/** Splits `items` into chunks whose JSON text stays under `maxBytes` (D1's 2 MB value limit, with room). */
export function chunkByJsonSize<T>(items: readonly T[], maxBytes = 900_000, maxItems = 5000): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const item of items) {
    const bytes = JSON.stringify(item).length + 1;
    if (current.length > 0 && (size + bytes > maxBytes || current.length >= maxItems)) {
      chunks.push(current);
      current = [];
      size = 2;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A stable text for a list of values: the identity of a key, or of a whole row in a keyless table. */
export const keyText = (values: readonly SqlValue[]) => JSON.stringify(values.map(normalise));

/** SQLite compares 1 and 1.0 as equal, and JSON cannot tell them apart: neither may identity. */
function normalise(v: SqlValue): SqlValue {
  return typeof v === "number" && Object.is(v, -0) ? 0 : v;
}
