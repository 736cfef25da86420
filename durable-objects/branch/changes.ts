import type { KeyedEntry, KeylessEntry } from "../../src/branches/merge-planner";
import { type Row, baseTableOf, jsonObjectOf, keyText, quoteIdent } from "../../src/branches/sql-text";
import { type ColumnInfo, tableDdl, tableShape, takenTables, userTables } from "./branch-schema";

/** What the branch did to one table since it took it (or since it created it: then `origin` is "branch"). */
export interface TableChanges {
  table: string;
  origin: "main" | "branch";
  keyColumns: string[];
  columns: ColumnInfo[];
  /** Columns the branch added to a taken table. */
  newColumns: ColumnInfo[];
  /** For a table created on the branch: its CREATE TABLE and CREATE INDEX statements. */
  ddl: string[];
  keyed: Omit<KeyedEntry, "main">[];
  keyless: Omit<KeylessEntry, "main">[];
}

const parseRow = (text: string | null): Row | null => (text === null ? null : (JSON.parse(text) as Row));

/** Every table the branch changed, with its rows at the base and on the branch, computed in SQLite. */
export function branchChanges(sql: SqlStorage): TableChanges[] {
  const taken = takenTables(sql);
  const out: TableChanges[] = [];
  for (const table of userTables(sql)) {
    const shape = tableShape(sql, table);
    const columns = shape.columns.map((c) => c.name);
    const takenTable = taken.get(table);
    const baseColumns = takenTable ? takenTable.base_columns.filter((c) => columns.includes(c)) : [];
    const newColumns = takenTable ? shape.columns.filter((c) => !takenTable.base_columns.includes(c.name)) : [];
    const t = quoteIdent(table);
    const b = quoteIdent(baseTableOf(table));
    const changes: TableChanges = {
      table,
      origin: takenTable ? "main" : "branch",
      keyColumns: shape.keyColumns,
      columns: shape.columns,
      newColumns,
      ddl: takenTable ? [] : tableDdl(sql, table),
      keyed: [],
      keyless: [],
    };
    if (shape.keyColumns.length > 0) {
      const keyOf = (row: Row) => Object.fromEntries(shape.keyColumns.map((k) => [k, row[k] ?? null]));
      if (!takenTable) {
        for (const r of sql.exec<{ after: string }>(`SELECT ${jsonObjectOf("t", columns)} AS after FROM ${t} AS t`)) {
          const branch = parseRow(r.after)!;
          changes.keyed.push({ key: keyOf(branch), base: null, branch });
        }
      } else {
        // `=`, not IS: it lets SQLite use the key's index (a primary key's values are never NULL in practice).
        const sameKey = shape.keyColumns.map((k) => `b.${quoteIdent(k)} = t.${quoteIdent(k)}`).join(" AND ");
        const differs = [...baseColumns.map((c) => `t.${quoteIdent(c)} IS NOT b.${quoteIdent(c)}`), ...newColumns.map((c) => `t.${quoteIdent(c.name)} IS NOT NULL`)].join(" OR ") || "0";
        const rows = sql.exec<{ before: string | null; after: string | null }>(
          `SELECT ${jsonObjectOf("b", baseColumns)} AS before, ${jsonObjectOf("t", columns)} AS after FROM ${t} AS t JOIN ${b} AS b ON ${sameKey} WHERE ${differs}
           UNION ALL SELECT NULL, ${jsonObjectOf("t", columns)} FROM ${t} AS t WHERE NOT EXISTS (SELECT 1 FROM ${b} AS b WHERE ${sameKey})
           UNION ALL SELECT ${jsonObjectOf("b", baseColumns)}, NULL FROM ${b} AS b WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${sameKey})`,
        );
        for (const r of rows) {
          const base = parseRow(r.before);
          const branch = parseRow(r.after);
          changes.keyed.push({ key: keyOf((branch ?? base)!), base, branch });
        }
      }
    } else {
      // Keyless: a multiset of whole rows, compared over the base's columns plus any the branch added.
      const compared = takenTable ? [...baseColumns, ...newColumns.map((c) => c.name)] : columns;
      const counts = new Map<string, { row: Row; base: number; branch: number }>();
      const tally = (from: string, side: "base" | "branch", cols: string[]) => {
        for (const r of sql.exec<{ row: string; n: number }>(`SELECT ${jsonObjectOf("x", cols)} AS row, count(*) AS n FROM ${from} AS x GROUP BY 1`)) {
          const row = parseRow(r.row)!;
          const id = keyText(compared.map((c) => row[c] ?? null));
          const entry = counts.get(id) ?? { row: Object.fromEntries(compared.map((c) => [c, row[c] ?? null])), base: 0, branch: 0 };
          entry[side] += r.n;
          counts.set(id, entry);
        }
      };
      tally(t, "branch", compared);
      if (takenTable) tally(b, "base", baseColumns);
      changes.keyless = [...counts.values()].filter((e) => e.base !== e.branch);
    }
    if (changes.keyed.length > 0 || changes.keyless.length > 0 || changes.newColumns.length > 0 || changes.origin === "branch") out.push(changes);
  }
  return out;
}
