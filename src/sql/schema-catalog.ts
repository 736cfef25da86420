import { foldName } from "./sql-names";

// What the guard needs to know of the database's schema: which names are views (to follow them to the
// tables they read) and which table each index belongs to. Read from sqlite_master, kept per isolate, and
// read again when a statement names something the copy does not know, after this isolate changes the
// schema, and at the latest after CATALOG_TTL_MS (another isolate may have replaced a view).

export const CATALOG_TTL_MS = 5_000;

export interface SchemaCatalog {
  /** Every table and view name, folded. */
  names: ReadonlySet<string>;
  views: ReadonlyMap<string, string>;
  indexes: ReadonlyMap<string, string>;
  /** Tables WITHOUT ROWID, whose size must be counted (the others are bounded by their rowids). */
  withoutRowid: ReadonlySet<string>;
  loadedAt: number;
}

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

let cached: SchemaCatalog | undefined;

export async function loadCatalog(db: D1Database): Promise<SchemaCatalog> {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'index')")
    .all<MasterRow>();
  const names = new Set<string>();
  const views = new Map<string, string>();
  const indexes = new Map<string, string>();
  const withoutRowid = new Set<string>();
  for (const row of results) {
    const name = foldName(row.name);
    if (row.type === "index") indexes.set(name, foldName(row.tbl_name));
    else names.add(name);
    if (row.type === "view" && row.sql) views.set(name, row.sql);
    if (row.type === "table" && row.sql && /without\s+rowid/i.test(row.sql)) withoutRowid.add(name);
  }
  cached = { names, views, indexes, withoutRowid, loadedAt: Date.now() };
  return cached;
}

/** The cached catalog if it is fresh and knows every name; undefined when it must be read again. */
export function cachedCatalog(names: readonly string[]): SchemaCatalog | undefined {
  if (!cached || Date.now() - cached.loadedAt > CATALOG_TTL_MS) return undefined;
  const known = cached.names;
  return names.every((name) => known.has(name)) ? cached : undefined;
}

/** After this isolate changes the schema: the next statement reads the catalog again. */
export function forgetCatalog(): void {
  cached = undefined;
}

/** The catalog of a moment ago, however stale, for a first look at a statement. */
export const lastCatalog = (): SchemaCatalog | undefined => cached;
