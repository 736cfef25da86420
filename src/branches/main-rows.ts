import type { TableMergeInput } from "./merge-planner";
import { type Row, chunkByJsonSize, keyText, quoteIdent } from "./sql-text";

/** The parts of a branch's changes the merge needs from main (see durable-objects/branch/changes.ts). */
export interface ChangedTable {
  table: string;
  keyColumns: string[];
  keyed: { key: Row; base: Row | null; branch: Row | null }[];
  keyless: { row: Row; base: number; branch: number }[];
}

/** Main's tables as they are now: column names, for tables that exist. */
export type MainColumns = Map<string, string[]>;

export async function mainColumns(db: D1Database, tables: readonly string[]): Promise<MainColumns> {
  const { results } = await db
    .prepare(
      "SELECT m.name AS tbl, p.name AS col FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?)) ORDER BY m.name, p.cid",
    )
    .bind(JSON.stringify(tables))
    .all<{ tbl: string; col: string }>();
  const out: MainColumns = new Map();
  for (const r of results) out.set(r.tbl, [...(out.get(r.tbl) ?? []), r.col]);
  return out;
}

/**
 * Main's current rows for every key the branch changed (and the number of copies of every keyless row it
 * changed), read in one D1 batch so they are one consistent view. Keys travel as one JSON parameter per
 * chunk, so no statement binds more than a couple of parameters.
 */
export async function withMainRows(db: D1Database, changed: readonly ChangedTable[], columns: MainColumns): Promise<TableMergeInput[]> {
  const statements: D1PreparedStatement[] = [];
  const readers: ((rows: Record<string, unknown>[]) => void)[] = [];
  const inputs = changed.map((t): TableMergeInput => {
    const input: TableMergeInput = {
      table: t.table,
      keyColumns: t.keyColumns,
      keyed: t.keyed.map((e) => ({ ...e, main: null })),
      keyless: t.keyless.map((e) => ({ ...e, main: 0 })),
    };
    const present = columns.get(t.table);
    if (!present) return input; // not on main: every main side is empty
    const table = quoteIdent(t.table);
    if (t.keyColumns.length > 0) {
      const byKey = new Map(input.keyed.map((e) => [keyText(t.keyColumns.map((k) => e.key[k] ?? null)), e]));
      const on = t.keyColumns.map((k, i) => `m.${quoteIdent(k)} = json_extract(j.value, '$[${i}]')`).join(" AND ");
      for (const chunk of chunkByJsonSize(input.keyed.map((e) => t.keyColumns.map((k) => e.key[k] ?? null)))) {
        statements.push(db.prepare(`SELECT m.* FROM json_each(?) AS j JOIN ${table} AS m ON ${on}`).bind(JSON.stringify(chunk)));
        readers.push((rows) => {
          for (const row of rows as Row[]) {
            const entry = byKey.get(keyText(t.keyColumns.map((k) => row[k] ?? null)));
            if (entry) entry.main = row;
          }
        });
      }
    } else {
      input.keyless.forEach((entry) => {
        const { where, params, impossible } = rowMatch(entry.row, present);
        if (impossible) return; // the row names a column main lacks with a value: main has no copy of it
        statements.push(db.prepare(`SELECT count(*) AS n FROM ${table} AS m WHERE ${where}`).bind(...params));
        readers.push((rows) => {
          entry.main = Number(rows[0]?.n ?? 0);
        });
      });
    }
    return input;
  });
  if (statements.length > 0) {
    const results = await db.batch<Record<string, unknown>>(statements);
    results.forEach((r, i) => readers[i]!(r.results));
  }
  return inputs;
}

/**
 * `m.a IS json_extract(?1, '$[0]') AND …` for a whole keyless row, against main's columns. A column main
 * lacks reads as NULL there: a NULL in the row matches it, anything else cannot.
 */
export function rowMatch(row: Row, present: readonly string[]): { where: string; params: [string]; impossible: boolean } {
  const columns = Object.keys(row).filter((c) => present.includes(c));
  const impossible = Object.keys(row).some((c) => !present.includes(c) && row[c] !== null);
  const where = columns.length ? columns.map((c, i) => `m.${quoteIdent(c)} IS json_extract(?1, '$[${i}]')`).join(" AND ") : "1";
  return { where, params: [JSON.stringify(columns.map((c) => row[c] ?? null))], impossible };
}
