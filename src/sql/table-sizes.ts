import { sqlName } from "./row-filter";
import type { SchemaCatalog } from "./schema-catalog";

// Table sizes for the work bounds, read when a statement makes sources multiply (never cached: a table
// filled a moment ago must count). A rowid table's size is bounded by the span of its rowids, two index
// seeks however big it is (a table spread over a wide span only counts as bigger than it is); a table
// WITHOUT ROWID is counted.

const sizeOf = (table: string, counted: boolean) =>
  counted ? `(SELECT count(*) FROM main.${sqlName(table)})` : `(SELECT coalesce(max(rowid) - min(rowid) + 1, 0) FROM main.${sqlName(table)})`;

/** The sizes of these tables in D1, in one statement; names that are no table of the catalog are left out. */
export async function tableSizes(db: D1Database, names: readonly string[], catalog: SchemaCatalog | undefined): Promise<Map<string, number>> {
  const tables = names.filter((n) => catalog === undefined || (catalog.names.has(n) && !catalog.views.has(n)));
  const sizes = new Map<string, number>();
  if (tables.length === 0) return sizes;
  const columns = tables.map((t, i) => `${sizeOf(t, catalog?.withoutRowid.has(t) ?? false)} AS s${i}`);
  const row = await db.prepare(`SELECT ${columns.join(", ")}`).first<Record<string, number | null>>();
  tables.forEach((t, i) => sizes.set(t, Number(row?.[`s${i}`] ?? 0)));
  return sizes;
}

/** The same in a Durable Object's SQLite (a branch): a table that is not there yet has no rows. */
export function tableSizesIn(sql: SqlStorage, names: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const name of names) {
    const found = sql.exec<{ sql: string | null }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", name).toArray()[0];
    if (!found) continue;
    const counted = /without\s+rowid/i.test(found.sql ?? "");
    sizes.set(name, Number(sql.exec<{ n: number | null }>(`SELECT ${sizeOf(name, counted)} AS n`).one().n ?? 0));
  }
  return sizes;
}
