import { type Row, type SqlValue, keyText } from "./sql-text";

// The three-way merge, as a pure function over the rows that matter: for every key the branch changed, its
// row at the base, on the branch, and on main now. Kept free of storage so property tests can run it many
// times against a reference model, and so the diff's "conflicts a merge would meet now" is the merge's own.

export type Strategy = "branch_wins" | "main_wins" | "manual";

/** One key of a table with a primary key (null: no row). */
export interface KeyedEntry {
  key: Row;
  base: Row | null;
  branch: Row | null;
  main: Row | null;
}

/** One distinct row of a keyless table, and how many copies of it each side holds (a multiset). */
export interface KeylessEntry {
  row: Row;
  base: number;
  branch: number;
  main: number;
}

export interface TableMergeInput {
  table: string;
  keyColumns: string[];
  keyed: KeyedEntry[];
  keyless: KeylessEntry[];
}

export type Take = "main" | "branch" | { row: Row };
export interface Resolution {
  table: string;
  key: Row;
  take: Take;
}

/** For a keyless table `key` is the row itself and base/main/branch are its numbers of copies. */
export interface Conflict {
  table: string;
  key: Row;
  base: Row | number | null;
  main: Row | number | null;
  branch: Row | number | null;
}

/** What to do to main, each with what main must still hold for it to be right (checked in the batch). */
export type MergeOp =
  | { kind: "insert"; key: Row; row: Row }
  | { kind: "update"; key: Row; row: Row; expect: Row }
  | { kind: "delete"; key: Row; expect: Row }
  | { kind: "add_copies"; row: Row; copies: number; expect: number }
  | { kind: "remove_copies"; row: Row; copies: number; expect: number };

export interface TablePlan {
  table: string;
  keyColumns: string[];
  ops: MergeOp[];
  /** Rows changed on main: one per keyed op, one per copy added or removed. */
  applied: number;
}

export interface MergePlan {
  tables: TablePlan[];
  /** Every conflict met, resolved or not. */
  conflicts: Conflict[];
  /** The conflicts neither the strategy nor a resolution settled: with any, a merge applies nothing. */
  unresolved: Conflict[];
}

const numberOrText = (v: SqlValue | undefined): SqlValue => (v === undefined ? null : v);

/** Rows are equal when every column either side has holds the same value (a missing column is NULL). */
export function rowsEqual(a: Row | null, b: Row | null): boolean {
  if (a === null || b === null) return a === b;
  for (const column of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (numberOrText(a[column]) !== numberOrText(b[column])) return false;
  }
  return true;
}

/** The identity of a row of a keyless table, independent of its columns' order. */
export const rowIdentity = (row: Row) => keyText(Object.keys(row).sort().flatMap((c) => [c, row[c] ?? null]));

type Decision<T> = { kind: "keep" } | { kind: "take"; value: T } | { kind: "conflict" };

/**
 * The core of a three-way merge, for any value with an equality: the branch's change is applied when main
 * did not change the same thing since the base; when both changed it differently, that is a conflict.
 */
export function decide<T>(base: T, main: T, branch: T, equal: (a: T, b: T) => boolean): Decision<T> {
  if (equal(branch, base)) return { kind: "keep" };
  if (equal(main, base) || equal(main, branch)) return { kind: "take", value: branch };
  return { kind: "conflict" };
}

function resolutionIndex(resolutions: readonly Resolution[]) {
  const byKey = new Map<string, Take>();
  for (const r of resolutions) byKey.set(`${r.table}\u0000${rowIdentity(r.key)}`, r.take);
  return (table: string, key: Row) => byKey.get(`${table}\u0000${rowIdentity(key)}`);
}

export function planMerge(inputs: readonly TableMergeInput[], strategy: Strategy, resolutions: readonly Resolution[] = []): MergePlan {
  const resolutionFor = resolutionIndex(resolutions);
  const conflicts: Conflict[] = [];
  const unresolved: Conflict[] = [];
  const tables = inputs.map((input): TablePlan => {
    const ops: MergeOp[] = [];
    let applied = 0;
    for (const entry of input.keyed) {
      const decision = decide(entry.base, entry.main, entry.branch, rowsEqual);
      let target: Row | null;
      if (decision.kind === "keep") continue;
      if (decision.kind === "take") target = decision.value;
      else {
        const conflict: Conflict = { table: input.table, key: entry.key, base: entry.base, main: entry.main, branch: entry.branch };
        conflicts.push(conflict);
        const take = resolutionFor(input.table, entry.key) ?? strategyTake(strategy);
        if (take === undefined) {
          unresolved.push(conflict);
          continue;
        }
        target = take === "main" ? entry.main : take === "branch" ? entry.branch : { ...take.row, ...entry.key };
      }
      const op = keyedOp(entry.key, entry.main, target);
      if (op) {
        ops.push(op);
        applied++;
      }
    }
    for (const entry of input.keyless) {
      const decision = decide(entry.base, entry.main, entry.branch, (a, b) => a === b);
      let target: number;
      if (decision.kind === "keep") continue;
      if (decision.kind === "take") target = decision.value;
      else {
        const conflict: Conflict = { table: input.table, key: entry.row, base: entry.base, main: entry.main, branch: entry.branch };
        conflicts.push(conflict);
        const take = resolutionFor(input.table, entry.row) ?? strategyTake(strategy);
        // A keyless row has no identity apart from its values, so only "main" or "branch" can settle it.
        if (take === undefined || typeof take === "object") {
          unresolved.push(conflict);
          continue;
        }
        target = take === "main" ? entry.main : entry.branch;
      }
      if (target > entry.main) ops.push({ kind: "add_copies", row: entry.row, copies: target - entry.main, expect: entry.main });
      if (target < entry.main) ops.push({ kind: "remove_copies", row: entry.row, copies: entry.main - target, expect: entry.main });
      applied += Math.abs(target - entry.main);
    }
    return { table: input.table, keyColumns: input.keyColumns, ops, applied };
  });
  return { tables, conflicts, unresolved };
}

function strategyTake(strategy: Strategy): Take | undefined {
  if (strategy === "branch_wins") return "branch";
  if (strategy === "main_wins") return "main";
  return undefined;
}

function keyedOp(key: Row, main: Row | null, target: Row | null): MergeOp | null {
  if (target === null) return main === null ? null : { kind: "delete", key, expect: main };
  if (main === null) return { kind: "insert", key, row: target };
  // Only the columns the target names are set: a column main added since the base keeps its value.
  if (rowsEqual(main, { ...main, ...target })) return null;
  return { kind: "update", key, row: target, expect: main };
}

/** Key values in key-column order, for a key given as an object. */
export const keyValues = (key: Row, keyColumns: readonly string[]) => keyColumns.map((c) => key[c] ?? null);
export const keyTextOf = (key: Row, keyColumns: readonly string[]) => keyText(keyValues(key, keyColumns));
