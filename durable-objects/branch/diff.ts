import type { Conflict } from "../../src/branches/merge-planner";
import type { Row } from "../../src/branches/sql-text";
import { planAgainstMain } from "./merge";

export interface TableDiff {
  table: string;
  /** The primary key's columns; empty for a keyless table, whose rows are compared whole (as a multiset). */
  primary_key: string[];
  /** True when the branch created the table: merging creates it on main. */
  created: boolean;
  /** Columns the branch added to a table it took from main. */
  added_columns: string[];
  added: Row[];
  changed: { key: Row; before: Row; after: Row }[];
  deleted: Row[];
}

export interface BranchDiff {
  branch_id: string;
  tables: TableDiff[];
  /** The conflicts a merge would meet now: rows main changed since the base that the branch changed differently. */
  conflicts: Conflict[];
}

const copies = (row: Row, n: number) => Array.from({ length: Math.max(0, n) }, () => row);

export async function diffAgainstMain(sql: SqlStorage, db: D1Database, branchId: string): Promise<BranchDiff> {
  const { changes, plan } = await planAgainstMain(sql, db, "manual");
  const tables = changes.map((c): TableDiff => {
    const diff: TableDiff = {
      table: c.table,
      primary_key: c.keyColumns,
      created: c.origin === "branch",
      added_columns: c.newColumns.map((n) => n.name),
      added: [],
      changed: [],
      deleted: [],
    };
    for (const e of c.keyed) {
      if (e.base === null && e.branch !== null) diff.added.push(e.branch);
      else if (e.base !== null && e.branch === null) diff.deleted.push(e.base);
      else if (e.base !== null && e.branch !== null) diff.changed.push({ key: e.key, before: e.base, after: e.branch });
    }
    for (const e of c.keyless) {
      diff.added.push(...copies(e.row, e.branch - e.base));
      diff.deleted.push(...copies(e.row, e.base - e.branch));
    }
    return diff;
  });
  return { branch_id: branchId, tables, conflicts: plan.conflicts };
}
