import { foldName, isReservedName, READABLE_SYSTEM_TABLES } from "./sql-names";
import { SYSTEM_TABLE_ALIASES, systemTableAlias } from "./system-table-aliases";

// What a caller can query, described: the users' tables and views, the readable system tables and
// HatiData's aliases of them, and each one's columns. Read from the database's own catalog.

export type TableKind = "table" | "view" | "system" | "alias";

export interface CatalogEntry {
  table_name: string;
  kind: TableKind;
}

export interface ColumnDescription {
  column_name: string;
  /** The declared type (SQLite's affinity names it), or "" where none is declared, as in views. */
  data_type: string;
  /** "YES" or "NO", as information_schema spells it. */
  is_nullable: "YES" | "NO";
  primary_key: boolean;
}

interface MasterRow {
  type: string;
  name: string;
}

/** Every table and view SQL may read, by name, in name order (the caller's permissions are applied after). */
export async function queryableTables(db: D1Database): Promise<CatalogEntry[]> {
  const { results } = await db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')").all<MasterRow>();
  const entries: CatalogEntry[] = [];
  for (const row of results) {
    if (!isReservedName(row.name)) entries.push({ table_name: row.name, kind: row.type === "view" ? "view" : "table" });
  }
  for (const name of READABLE_SYSTEM_TABLES) entries.push({ table_name: name, kind: "system" });
  for (const name of SYSTEM_TABLE_ALIASES.keys()) entries.push({ table_name: name, kind: "alias" });
  return entries.sort((a, b) => (a.table_name < b.table_name ? -1 : a.table_name > b.table_name ? 1 : 0));
}

/** The table a name reads: an alias reads its system table, every other name itself (folded). */
export function tableRead(name: string): string {
  const folded = foldName(name);
  return systemTableAlias(folded)?.table ?? folded;
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A table's or view's columns in order, an alias's with HatiData's names after them; undefined when it does not exist. */
export async function describeTable(db: D1Database, name: string): Promise<{ kind: TableKind; columns: ColumnDescription[] } | undefined> {
  const folded = foldName(name);
  const alias = systemTableAlias(folded);
  const real = alias?.table ?? folded;
  const [info, master] = await Promise.all([
    db.prepare(`PRAGMA table_info(${quoted(real)})`).all<TableInfoRow>(),
    db.prepare("SELECT type, name FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')").bind(real).all<MasterRow>(),
  ]);
  const rows = info.results;
  const found = master.results;
  if (rows.length === 0 || found.length === 0) return undefined;
  const columns: ColumnDescription[] = rows.map((r) => ({ column_name: r.name, data_type: r.type, is_nullable: r.notnull || r.pk ? "NO" : "YES", primary_key: r.pk > 0 }));
  if (alias) {
    for (const [column, expression] of alias.extraColumns) {
      // An extra column that renames one inherits its description; a computed one is text.
      const source = columns.find((c) => c.column_name === expression);
      columns.push(source ? { ...source, column_name: column, primary_key: false } : { column_name: column, data_type: "TEXT", is_nullable: "NO", primary_key: false });
    }
  }
  const kind: TableKind = alias ? "alias" : isReservedName(folded) ? "system" : found[0]?.type === "view" ? "view" : "table";
  return { kind, columns };
}
