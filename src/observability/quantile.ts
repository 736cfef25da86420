// Sample quantiles by linear interpolation between order statistics: definition 7 of Hyndman and Fan
// (1996), the default of R's `quantile()` and of NumPy's `percentile()`. For n sorted values x[1..n] and a
// probability p, h = (n - 1)p + 1, and Q(p) = x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋ + 1] - x[⌊h⌋]).

/** The 1-based position h of the p-quantile among n values, and the lower rank ⌊h⌋. */
export function quantilePosition(n: number, p: number): { h: number; lower: number } {
  const h = 1 + Math.max(n - 1, 0) * p;
  return { h, lower: Math.floor(h) };
}

/**
 * The p-quantile from the order statistics around its position (`valueAt(rank)`, 1-based): so a caller that
 * holds only the neighbours (SQL returns just those) gets the same answer as one that holds every value.
 */
export function quantileFrom(n: number, p: number, valueAt: (rank: number) => number | undefined): number | null {
  if (n === 0) return null;
  const { h, lower } = quantilePosition(n, p);
  const low = valueAt(lower);
  if (low === undefined) return null;
  if (h === lower || lower >= n) return low;
  const high = valueAt(lower + 1);
  return high === undefined ? low : low + (h - lower) * (high - low);
}

/** The p-quantile of a list of numbers (any order). */
export function quantile(values: readonly number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return quantileFrom(sorted.length, p, (rank) => sorted[rank - 1]);
}
