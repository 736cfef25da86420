import { INTERNAL_PREFIX, baseTableOf, isSystemTable, quoteIdent } from "../../src/branches/sql-text";

/** A user table as the branch sees it: its columns in order and its primary key (empty: keyless). */
export interface TableShape {
  name: string;
  columns: ColumnInfo[];
  keyColumns: string[];
}

export interface ColumnInfo {
  name: string;
  type: string;
  notnull: boolean;
  dflt_value: string | null;
}

/** What the branch remembers of a table it took from main. */
export interface TakenTable {
  name: string;
  base_columns: string[];
  taken_at: string;
}

/**
 * The branch object's bookkeeping tables. `_sy_meta` holds the branch's id, status and expiry (so a closed
 * branch refuses work even before the registry is read); `_sy_tables` lists the tables taken from main.
 */
export function migrateBranchSchema(sql: SqlStorage) {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${INTERNAL_PREFIX}meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS ${INTERNAL_PREFIX}tables (name TEXT PRIMARY KEY, base_columns TEXT NOT NULL, taken_at TEXT NOT NULL)`);
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  const row = sql.exec<{ value: string }>(`SELECT value FROM ${INTERNAL_PREFIX}meta WHERE key = ?`, key).toArray()[0];
  return row?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string) {
  sql.exec(`INSERT INTO ${INTERNAL_PREFIX}meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
}

/** The users' tables in the branch's SQLite: taken from main, or created on the branch. */
export function userTables(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .toArray()
    .map((r) => r.name)
    .filter((name) => !isSystemTable(name) && !name.startsWith("sqlite_"));
}

export function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", name).toArray().length > 0;
}

export function tableShape(sql: SqlStorage, name: string): TableShape {
  const info = sql
    .exec<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`PRAGMA table_info(${quoteIdent(name)})`)
    .toArray();
  return {
    name,
    columns: info.map((c) => ({ name: c.name, type: c.type, notnull: c.notnull === 1, dflt_value: c.dflt_value })),
    keyColumns: info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name),
  };
}

export function takenTables(sql: SqlStorage): Map<string, TakenTable> {
  const rows = sql.exec<{ name: string; base_columns: string; taken_at: string }>(`SELECT * FROM ${INTERNAL_PREFIX}tables`).toArray();
  return new Map(rows.map((r) => [r.name, { name: r.name, base_columns: JSON.parse(r.base_columns) as string[], taken_at: r.taken_at }]));
}

/** The DDL of a table (and its indexes) in the branch, for creating it on main when the branch made it. */
export function tableDdl(sql: SqlStorage, name: string): string[] {
  return sql
    .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'table' DESC, name", name)
    .toArray()
    .map((r) => r.sql);
}

/** Keeps the merge base of a freshly taken table: a plain copy, indexed by key for the diff's joins. */
export function snapshotBase(sql: SqlStorage, shape: TableShape, takenAt: string) {
  const base = quoteIdent(baseTableOf(shape.name));
  sql.exec(`CREATE TABLE ${base} AS SELECT * FROM ${quoteIdent(shape.name)}`);
  if (shape.keyColumns.length > 0)
    sql.exec(`CREATE UNIQUE INDEX ${quoteIdent(`${baseTableOf(shape.name)}_key`)} ON ${base} (${shape.keyColumns.map(quoteIdent).join(", ")})`);
  sql.exec(
    `INSERT INTO ${INTERNAL_PREFIX}tables (name, base_columns, taken_at) VALUES (?, ?, ?)`,
    shape.name,
    JSON.stringify(shape.columns.map((c) => c.name)),
    takenAt,
  );
}
