/**
 * A two-sample comparison of arm b against arm a: the estimate (b − a, or b's lift over a), its standard
 * error, the test statistic with its reference distribution's degrees of freedom (∞ for a z-test), the
 * two-sided p-value and the (1 − α) confidence interval.
 */
export interface Comparison {
  estimate: number;
  standardError: number;
  statistic: number;
  df: number;
  pValue: number;
  interval: [number, number];
}

/** The significance level every A/B verdict uses unless told otherwise. */
export const DEFAULT_ALPHA = 0.05;

export function assertAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be strictly between 0 and 1, got ${alpha}`);
}
