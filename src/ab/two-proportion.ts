import { z } from "zod";
import { assertAlpha, type Comparison, DEFAULT_ALPHA } from "./comparison";
import { normalQuantile, twoSidedP } from "./distributions";

/** A rate's aggregate in one arm: how many outcomes, and how many of them were successes. */
export interface Proportion {
  count: number;
  successes: number;
}

export const proportionSchema = z
  .object({ count: z.number().int().nonnegative(), successes: z.number().int().nonnegative() })
  .strict()
  .refine((p) => p.successes <= p.count, { message: "successes cannot exceed count" });

/** p̂ = successes / count (0 for an empty arm). */
export function rate(p: Proportion): number {
  return p.count === 0 ? 0 : p.successes / p.count;
}

/** The variance of p̂, p̂(1 − p̂)/n: the binomial variance with p̂ plugged in (no n − 1). */
export function varianceOfRate(p: Proportion): number {
  const r = rate(p);
  return p.count === 0 ? 0 : (r * (1 - r)) / p.count;
}

/** The two-proportion comparison, with both standard errors the test uses. */
export interface ProportionComparison extends Comparison {
  /** √(p̂(1 − p̂)(1/na + 1/nb)) with p̂ pooled over both arms: the p-value's, under H0 pa = pb. */
  pooledStandardError: number;
}

/**
 * The two-proportion z-test of rate_b − rate_a.
 *
 * Two standard errors, each where it is right:
 * - the p-value uses the pooled SE. Under the null hypothesis both arms share one rate, best estimated
 *   from both arms together; z² is then exactly Pearson's χ² of the 2×2 table, R's
 *   `prop.test(correct = FALSE)`.
 * - the confidence interval uses the unpooled (Wald) SE √(pa(1 − pa)/na + pb(1 − pb)/nb), because an
 *   interval describes a difference that need not be 0 (R's prop.test interval, without correction).
 * Near the 5% line the two can disagree (p just above α while the interval just excludes 0, or the
 * reverse); verdicts are taken from the p-value. `standardError` is the unpooled one, which is what
 * the relative lift and the sequential test use.
 *
 * null when either arm is empty, or when both arms are all successes or all failures (no variance).
 */
export function twoProportionZTest(a: Proportion, b: Proportion, alpha = DEFAULT_ALPHA): ProportionComparison | null {
  assertAlpha(alpha);
  if (a.count === 0 || b.count === 0) return null;
  const pooled = (a.successes + b.successes) / (a.count + b.count);
  const pooledStandardError = Math.sqrt(pooled * (1 - pooled) * (1 / a.count + 1 / b.count));
  if (!(pooledStandardError > 0)) return null;
  const estimate = rate(b) - rate(a);
  const standardError = Math.sqrt(varianceOfRate(a) + varianceOfRate(b));
  const statistic = estimate / pooledStandardError;
  const halfWidth = normalQuantile(1 - alpha / 2) * standardError;
  return {
    estimate,
    standardError,
    pooledStandardError,
    statistic,
    df: Number.POSITIVE_INFINITY,
    pValue: twoSidedP(statistic, Number.POSITIVE_INFINITY),
    interval: [estimate - halfWidth, estimate + halfWidth],
  };
}
