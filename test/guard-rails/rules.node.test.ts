import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GuardRails, GuardRailsSchema, LIMIT_RULES, PII_KINDS, isEmptyGuardRails, mergeGuardRails } from "../../src/guard-rails/rules";

// The merge of guard-rail levels, property-tested against what "the strictest wins" means rule by rule.

const level: fc.Arbitrary<GuardRails> = fc
  .record(
    {
      max_run_seconds: fc.integer({ min: 1, max: 100_000 }),
      max_tasks_per_run: fc.integer({ min: 1, max: 10_000 }),
      max_tokens_per_task: fc.integer({ min: 1, max: 1_000_000 }),
      max_message_bytes: fc.integer({ min: 1, max: 1_000_000 }),
      requests_per_minute: fc.integer({ min: 1, max: 10_000 }),
      pii: fc.record({ detect: fc.uniqueArray(fc.constantFrom(...PII_KINDS), { minLength: 1 }), mode: fc.constantFrom("redact" as const, "reject" as const) }),
    },
    { requiredKeys: [] },
  )
  .map((r) => GuardRailsSchema.parse(r));
const levels = fc.array(fc.option(level, { nil: null }), { maxLength: 5 });

describe("mergeGuardRails: the strictest wins", () => {
  it("takes each limit's smallest value among the levels that set it, and leaves it unset where none does", () => {
    fc.assert(
      fc.property(levels, (ls) => {
        const merged = mergeGuardRails(ls);
        for (const rule of LIMIT_RULES) {
          const set = ls.flatMap((l) => (l?.[rule] === undefined ? [] : [l[rule]!]));
          expect(merged[rule]).toBe(set.length === 0 ? undefined : Math.min(...set));
        }
      }),
    );
  });

  it("detects every kind any level detects, rejects if any level rejects, and has no pii rule if none has one", () => {
    fc.assert(
      fc.property(levels, (ls) => {
        const merged = mergeGuardRails(ls);
        const rules = ls.flatMap((l) => (l?.pii ? [l.pii] : []));
        if (rules.length === 0) {
          expect(merged.pii).toBeUndefined();
        } else {
          expect(new Set(merged.pii!.detect)).toEqual(new Set(rules.flatMap((r) => r.detect)));
          expect(merged.pii!.mode).toBe(rules.some((r) => r.mode === "reject") ? "reject" : "redact");
        }
      }),
    );
  });

  it("does not care about the order or the grouping of the levels, and merging a level twice changes nothing", () => {
    fc.assert(
      fc.property(level, level, level, (a, b, c) => {
        expect(mergeGuardRails([a, b])).toEqual(mergeGuardRails([b, a]));
        expect(mergeGuardRails([mergeGuardRails([a, b]), c])).toEqual(mergeGuardRails([a, mergeGuardRails([b, c])]));
        expect(mergeGuardRails([a, a])).toEqual(mergeGuardRails([a]));
      }),
    );
  });

  it("is never looser than any one level: every merged result is itself a valid rule set", () => {
    fc.assert(
      fc.property(levels, (ls) => {
        const merged = mergeGuardRails(ls);
        expect(GuardRailsSchema.safeParse(merged).success).toBe(true);
        expect(isEmptyGuardRails(merged)).toBe(ls.every((l) => isEmptyGuardRails(l)));
      }),
    );
  });

  it("merges the seed's advice: a workflow's limits and a version's PII rule over a deployment's", () => {
    expect(
      mergeGuardRails([
        { requests_per_minute: 600, pii: { detect: ["email"], mode: "redact" } },
        { max_tasks_per_run: 50, max_tokens_per_task: 4000 },
        { max_tokens_per_task: 2000, pii: { detect: ["ssn", "email"], mode: "reject" } },
        null,
      ]),
    ).toEqual({ requests_per_minute: 600, max_tasks_per_run: 50, max_tokens_per_task: 2000, pii: { detect: ["email", "ssn"], mode: "reject" } });
  });
});

describe("GuardRailsSchema", () => {
  it("refuses a misspelt rule instead of ignoring it, and limits out of range", () => {
    expect(GuardRailsSchema.safeParse({ max_token_per_task: 10 }).success).toBe(false);
    expect(GuardRailsSchema.safeParse({ pii: { detect: ["email"], mode: "redact", extra: 1 } }).success).toBe(false);
    for (const rule of LIMIT_RULES) {
      expect(GuardRailsSchema.safeParse({ [rule]: 0 }).success).toBe(false);
      expect(GuardRailsSchema.safeParse({ [rule]: 2.5 }).success).toBe(false);
      expect(GuardRailsSchema.safeParse({ [rule]: 1 }).success).toBe(true);
    }
    expect(GuardRailsSchema.safeParse({ max_tasks_per_run: 10_001 }).success).toBe(false);
  });
});
