import { assertAlpha, type Comparison, DEFAULT_ALPHA } from "./comparison";
import { studentQuantile, twoSidedP } from "./distributions";

/** One arm's mean and the variance of that mean (s²/n for a mean, p̂(1 − p̂)/n for a rate). */
export interface MeanEstimate {
  mean: number;
  varianceOfMean: number;
}

/**
 * b's relative lift over a, (mean_b − mean_a)/|mean_a|, with its standard error by the delta method
 * (first-order Taylor expansion of the ratio, the arms independent):
 *   Var ≈ Var(mean_b)/mean_a² + mean_b²·Var(mean_a)/mean_a⁴,
 * the same estimator GrowthBook's engine uses for relative effects (gbstats `frequentist_variance` with
 * `variance_of_ratios`). Dividing by |mean_a| keeps the sign meaning "b is higher" for a negative
 * baseline too.
 *
 * The interval and p-value use Student's t with `df` degrees of freedom: Welch's df for means, ∞ (the
 * normal) for rates. null when mean_a is 0 (no lift is defined) or the standard error is 0.
 */
export function relativeLift(a: MeanEstimate, b: MeanEstimate, options: { alpha?: number; df?: number } = {}): Comparison | null {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const df = options.df ?? Number.POSITIVE_INFINITY;
  assertAlpha(alpha);
  if (a.mean === 0 || !Number.isFinite(a.mean) || !Number.isFinite(b.mean)) return null;
  const estimate = (b.mean - a.mean) / Math.abs(a.mean);
  const variance = b.varianceOfMean / a.mean ** 2 + (b.mean ** 2 * a.varianceOfMean) / a.mean ** 4;
  const standardError = Math.sqrt(variance);
  if (!(standardError > 0)) return null;
  const statistic = estimate / standardError;
  const halfWidth = studentQuantile(1 - alpha / 2, df) * standardError;
  return { estimate, standardError, statistic, df, pValue: twoSidedP(statistic, df), interval: [estimate - halfWidth, estimate + halfWidth] };
}
