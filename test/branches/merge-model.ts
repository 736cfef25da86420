import fc from "fast-check";
import type { KeyedEntry, KeylessEntry, MergePlan, Strategy } from "../../src/branches/merge-planner";
import { rowIdentity, rowsEqual } from "../../src/branches/merge-planner";
import type { Row } from "../../src/branches/sql-text";

// A simple reference model of the three merge strategies, over whole in-memory tables, and the edits
// property tests generate. Keyed tables are maps id → row; keyless tables are lists of rows (multisets).

export type Keyed = Map<number, Row>;
export type Edit = { op: "put"; id: number; v: number; w: string } | { op: "del"; id: number };
export type KeylessEdit = { op: "add"; v: number } | { op: "remove"; v: number };

export const keyedEdits = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("put" as const), id: fc.integer({ min: 0, max: 7 }), v: fc.integer({ min: 0, max: 2 }), w: fc.constantFrom("a", "b") }),
    fc.record({ op: fc.constant("del" as const), id: fc.integer({ min: 0, max: 7 }) }),
  ),
  { maxLength: 8 },
);
export const keyedBase = fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 7 }), v: fc.integer({ min: 0, max: 2 }), w: fc.constantFrom("a", "b") }), { selector: (r) => r.id, maxLength: 6 });
export const keylessRows = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 });
export const keylessEdits = fc.array(fc.record({ op: fc.constantFrom("add" as const, "remove" as const), v: fc.integer({ min: 0, max: 3 }) }), { maxLength: 6 });
export const strategies = fc.constantFrom<Strategy>("branch_wins", "main_wins", "manual");

export function applyKeyed(table: Keyed, edits: readonly Edit[]): Keyed {
  const out = new Map(table);
  for (const e of edits) {
    if (e.op === "put") out.set(e.id, { id: e.id, v: e.v, w: e.w });
    else out.delete(e.id);
  }
  return out;
}

export function applyKeyless(rows: readonly number[], edits: readonly KeylessEdit[]): number[] {
  const out = [...rows];
  for (const e of edits) {
    if (e.op === "add") out.push(e.v);
    else {
      const i = out.indexOf(e.v);
      if (i >= 0) out.splice(i, 1);
    }
  }
  return out;
}

const eq = (a: Row | undefined, b: Row | undefined) => rowsEqual(a ?? null, b ?? null);

/** What main should hold after a merge with `strategy`; null when a manual merge must stop on conflicts. */
export function expectedKeyed(base: Keyed, main: Keyed, branch: Keyed, strategy: Strategy): Keyed | null {
  const out = new Map(main);
  let conflicted = false;
  for (const id of new Set([...base.keys(), ...main.keys(), ...branch.keys()])) {
    const [b, m, r] = [base.get(id), main.get(id), branch.get(id)];
    if (eq(r, b)) continue; // the branch did not touch it: main's stands
    const conflict = !eq(m, b) && !eq(m, r);
    if (conflict && strategy === "manual") conflicted = true;
    if (conflict && strategy === "main_wins") continue;
    if (r === undefined) out.delete(id);
    else out.set(id, r);
  }
  return conflicted ? null : out;
}

const tally = (rows: readonly number[]) => rows.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<number, number>());

export function expectedKeyless(base: number[], main: number[], branch: number[], strategy: Strategy): Map<number, number> | null {
  const [b, m, r] = [tally(base), tally(main), tally(branch)];
  const out = new Map(m);
  let conflicted = false;
  for (const v of new Set([...b.keys(), ...m.keys(), ...r.keys()])) {
    const [cb, cm, cr] = [b.get(v) ?? 0, m.get(v) ?? 0, r.get(v) ?? 0];
    if (cr === cb) continue;
    const conflict = cm !== cb && cm !== cr;
    if (conflict && strategy === "manual") conflicted = true;
    if (conflict && strategy === "main_wins") continue;
    out.set(v, cr);
  }
  for (const [v, n] of out) if (n === 0) out.delete(v);
  return conflicted ? null : out;
}

export const tallyOf = tally;

/** The planner's inputs, as the branch object and main would produce them. */
export function keyedInputs(base: Keyed, main: Keyed, branch: Keyed): KeyedEntry[] {
  return [...new Set([...base.keys(), ...branch.keys()])]
    .filter((id) => !eq(base.get(id), branch.get(id)))
    .map((id) => ({ key: { id }, base: base.get(id) ?? null, branch: branch.get(id) ?? null, main: main.get(id) ?? null }));
}

export function keylessInputs(base: number[], main: number[], branch: number[]): KeylessEntry[] {
  const [b, m, r] = [tally(base), tally(main), tally(branch)];
  return [...new Set([...b.keys(), ...r.keys()])]
    .filter((v) => (b.get(v) ?? 0) !== (r.get(v) ?? 0))
    .map((v) => ({ row: { v }, base: b.get(v) ?? 0, branch: r.get(v) ?? 0, main: m.get(v) ?? 0 }));
}

/** Carries out a plan on in-memory tables, checking every precondition the D1 batch would check. */
export function applyPlan(plan: MergePlan, main: Keyed, keyless: number[]): { keyed: Keyed; keyless: Map<number, number> } {
  const keyed = new Map(main);
  const counts = tally(keyless);
  for (const table of plan.tables) {
    for (const op of table.ops) {
      if (op.kind === "insert") {
        if (keyed.has(op.key.id as number)) throw new Error("insert over an existing row");
        keyed.set(op.key.id as number, op.row);
      } else if (op.kind === "update" || op.kind === "delete") {
        if (!eq(keyed.get(op.key.id as number), op.expect)) throw new Error(`${op.kind} precondition failed`);
        if (op.kind === "update") keyed.set(op.key.id as number, { ...op.expect, ...op.row });
        else keyed.delete(op.key.id as number);
      } else {
        const v = op.row.v as number;
        if ((counts.get(v) ?? 0) !== op.expect) throw new Error(`${op.kind} precondition failed on ${rowIdentity(op.row)}`);
        counts.set(v, op.expect + (op.kind === "add_copies" ? op.copies : -op.copies));
        if (counts.get(v) === 0) counts.delete(v);
      }
    }
  }
  return { keyed, keyless: counts };
}
