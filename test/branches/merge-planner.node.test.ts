import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planMerge } from "../../src/branches/merge-planner";
import {
  type Keyed,
  applyKeyed,
  applyKeyless,
  applyPlan,
  expectedKeyed,
  expectedKeyless,
  keyedBase,
  keyedEdits,
  keyedInputs,
  keylessEdits,
  keylessInputs,
  keylessRows,
  strategies,
} from "./merge-model";

describe("the merge planner against a reference model", () => {
  it("merges random base, main and branch edits (keyed and keyless) as each strategy says", () => {
    fc.assert(
      fc.property(keyedBase, keyedEdits, keyedEdits, keylessRows, keylessEdits, keylessEdits, strategies, (baseRows, mainEdits, branchEdits, keylessBase, keylessMain, keylessBranch, strategy) => {
        const base: Keyed = new Map(baseRows.map((r) => [r.id, r]));
        const main = applyKeyed(base, mainEdits);
        const branch = applyKeyed(base, branchEdits);
        const kMain = applyKeyless(keylessBase, keylessMain);
        const kBranch = applyKeyless(keylessBase, keylessBranch);

        const plan = planMerge(
          [
            { table: "keyed", keyColumns: ["id"], keyed: keyedInputs(base, main, branch), keyless: [] },
            { table: "bag", keyColumns: [], keyed: [], keyless: keylessInputs(keylessBase, kMain, kBranch) },
          ],
          strategy,
        );
        const wantKeyed = expectedKeyed(base, main, branch, strategy);
        const wantKeyless = expectedKeyless(keylessBase, kMain, kBranch, strategy);
        if (strategy === "manual" && (wantKeyed === null || wantKeyless === null)) {
          expect(plan.unresolved.length).toBeGreaterThan(0);
          return;
        }
        expect(plan.unresolved).toEqual([]);
        const result = applyPlan(plan, main, kMain);
        expect(Object.fromEntries(result.keyed)).toEqual(Object.fromEntries(wantKeyed!));
        expect(Object.fromEntries(result.keyless)).toEqual(Object.fromEntries(wantKeyless!));
        const applied = plan.tables.reduce((n, t) => n + t.applied, 0);
        expect(applied).toBe(plan.tables.reduce((n, t) => n + t.ops.reduce((m, o) => m + ("copies" in o ? o.copies : 1), 0), 0));
      }),
      { numRuns: 2000 },
    );
  });

  it("settles every manual conflict with resolutions: main, branch or a row of the caller's", () => {
    fc.assert(
      fc.property(keyedBase, keyedEdits, keyedEdits, fc.constantFrom("main" as const, "branch" as const), (baseRows, mainEdits, branchEdits, take) => {
        const base: Keyed = new Map(baseRows.map((r) => [r.id, r]));
        const main = applyKeyed(base, mainEdits);
        const branch = applyKeyed(base, branchEdits);
        const inputs = [{ table: "keyed", keyColumns: ["id"], keyed: keyedInputs(base, main, branch), keyless: [] }];
        const first = planMerge(inputs, "manual");
        const resolutions = first.unresolved.map((c) => ({ table: c.table, key: c.key, take }));
        const second = planMerge(inputs, "manual", resolutions);
        expect(second.unresolved).toEqual([]);
        const want = expectedKeyed(base, main, branch, take === "main" ? "main_wins" : "branch_wins");
        expect(Object.fromEntries(applyPlan(second, main, []).keyed)).toEqual(Object.fromEntries(want!));
      }),
      { numRuns: 500 },
    );
  });
});
