import chiSquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import normalCdfWith from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantileWith from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

// The distributions the A/B statistics need, as stdlib computes them (series and continued fractions,
// no lookup tables). These wrappers fix the standard normal's parameters and give Student's t an
// infinite degrees of freedom, which stdlib answers wrongly (0.5 for every x, NaN quantiles) but which
// is simply the standard normal: a z-test is a t-test with df = ∞.

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalCdfWith(x, 0, 1);
}

/** Φ⁻¹(p), the standard normal quantile. */
export function normalQuantile(p: number): number {
  return normalQuantileWith(p, 0, 1);
}

/** The CDF of Student's t with `df` degrees of freedom (df = ∞: the standard normal). */
export function studentCdf(x: number, df: number): number {
  return df === Number.POSITIVE_INFINITY ? normalCdf(x) : tCdf(x, df);
}

/** The quantile of Student's t with `df` degrees of freedom (df = ∞: the standard normal). */
export function studentQuantile(p: number, df: number): number {
  return df === Number.POSITIVE_INFINITY ? normalQuantile(p) : tQuantile(p, df);
}

/**
 * The two-sided p-value of a t (or z, df = ∞) statistic: 2·F(−|t|). Computed from the lower tail so a
 * tiny p-value keeps its digits instead of being 1 − (a number close to 1).
 */
export function twoSidedP(statistic: number, df: number): number {
  return Math.min(1, 2 * studentCdf(-Math.abs(statistic), df));
}

/** P(X ≥ x) for X ~ χ²(df): the p-value of a chi-square statistic. */
export function chiSquareSurvival(x: number, df: number): number {
  return Math.max(0, 1 - chiSquareCdf(x, df));
}
