import { z } from "@hono/zod-openapi";
import { PII_KINDS, type PiiKind, type PiiRule, piiRuleSchema } from "./pii";

/**
 * Guard rails as the contract writes them (api-v1-coordination.md, "Guard rails"), the same at every
 * level: the deployment's (`PUT /v1/guard-rails`), a workflow's (`guard_rails:` in its definition) and an
 * agent version's (`guard_rails` on publish). Where several apply, the strictest wins (`mergeGuardRails`).
 */

/** The limits, each a positive integer; a smaller number is stricter. */
export const LIMIT_RULES = ["max_run_seconds", "max_tasks_per_run", "max_tokens_per_task", "max_message_bytes", "requests_per_minute"] as const;
export type LimitRule = (typeof LIMIT_RULES)[number];
/** What a violation names as its `rule`. */
export type GuardRailRule = LimitRule | "pii";

// Upper bounds keep a typo (an extra zero or three) from reading as "no limit at all" to a reviewer, and keep
// the numbers inside what the run and the counters store exactly.
const LIMIT_MAXIMA: Readonly<Record<LimitRule, number>> = {
  max_run_seconds: 366 * 24 * 60 * 60,
  max_tasks_per_run: 10_000,
  max_tokens_per_task: 1_000_000_000,
  max_message_bytes: 16 * 1024 * 1024,
  requests_per_minute: 1_000_000,
};

const LIMIT_DESCRIPTIONS: Readonly<Record<LimitRule, string>> = {
  max_run_seconds: "A run still running after this many seconds ends `timed_out`; its open tasks are cancelled.",
  max_tasks_per_run: "A run that would create one more task than this fails with `max_tasks_per_run` (default 1000 where no level sets it).",
  max_tokens_per_task: "A completion whose `usage.tokens_in + tokens_out` is over this fails its task with `guard_rail`.",
  max_message_bytes: "The most UTF-8 bytes of JSON a run message, a task's input or an inbox message may be (422 `guard_rail` above it).",
  requests_per_minute: "The most requests one agent key may make in a minute (429 `rate_limited` with `Retry-After` above it).",
};

const limit = (rule: LimitRule) => z.number().int().min(1).max(LIMIT_MAXIMA[rule]).describe(LIMIT_DESCRIPTIONS[rule]);

export const GuardRailsSchema = z
  .strictObject({
    max_run_seconds: limit("max_run_seconds").optional(),
    max_tasks_per_run: limit("max_tasks_per_run").optional(),
    max_tokens_per_task: limit("max_tokens_per_task").optional(),
    max_message_bytes: limit("max_message_bytes").optional(),
    requests_per_minute: limit("requests_per_minute").optional(),
    pii: piiRuleSchema.optional(),
  })
  .openapi("GuardRails", {
    description:
      "Limits and PII handling. Unknown rule names are refused, so a misspelt limit is never silently ignored. Where several levels apply " +
      "(deployment, workflow, agent version) the strictest wins: the smallest of each limit, every PII kind any level detects, and `reject` over `redact`.",
    example: { max_tasks_per_run: 50, max_tokens_per_task: 4000, pii: { detect: ["email", "ssn"], mode: "redact" } },
  });

export type GuardRails = z.infer<typeof GuardRailsSchema>;

export { PII_KINDS, type PiiKind, type PiiRule };

/** No rule at all: what most deployments have, and what costs nothing to enforce. */
export function isEmptyGuardRails(rules: GuardRails | null | undefined): boolean {
  if (!rules) return true;
  return rules.pii === undefined && LIMIT_RULES.every((rule) => rules[rule] === undefined);
}

/**
 * The strictest of several levels: each limit the smallest any level sets, PII the union of the kinds any
 * level detects, in `reject` mode if any level rejects. Absent levels (null) add nothing. The merge is
 * commutative, associative and idempotent, so the order the levels come in never matters.
 */
export function mergeGuardRails(levels: readonly (GuardRails | null | undefined)[]): GuardRails {
  const merged: GuardRails = {};
  const kinds = new Set<PiiKind>();
  let mode: PiiRule["mode"] | undefined;
  for (const level of levels) {
    if (!level) continue;
    for (const rule of LIMIT_RULES) {
      const value = level[rule];
      if (value === undefined) continue;
      const current = merged[rule];
      merged[rule] = current === undefined ? value : Math.min(current, value);
    }
    if (level.pii) {
      for (const kind of level.pii.detect) kinds.add(kind);
      mode = mode === "reject" || level.pii.mode === "reject" ? "reject" : "redact";
    }
  }
  // Kinds in the contract's order, so equal rule sets are equal JSON whichever order the levels came in.
  if (mode !== undefined) merged.pii = { detect: PII_KINDS.filter((k) => kinds.has(k)), mode };
  return merged;
}
