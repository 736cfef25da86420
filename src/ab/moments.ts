import { z } from "zod";

/**
 * The running moments of one metric in one arm: how many values, their mean, and M2, the sum of squared
 * deviations from that mean. Three numbers, whatever the number of values, so reading an A/B test never
 * scans its tasks. Updated one value at a time with Welford's method and combined with Chan et al.'s
 * pairwise formula, both of which work with deviations from the running mean. The textbook alternative,
 * Σx² − (Σx)²/n, subtracts two huge, nearly equal numbers: for durations around 10⁹ ms it loses every
 * digit of the variance (see test/ab/moments.node.test.ts).
 *
 * This is also the stored shape (JSON or three columns): `{count, mean, m2}`.
 */
export interface Moments {
  count: number;
  mean: number;
  m2: number;
}

/** The stored shape, checked wherever moments are read back from storage or a message. */
export const momentsSchema = z
  .object({
    count: z.number().int().nonnegative(),
    mean: z.number().finite(),
    m2: z.number().finite().nonnegative(),
  })
  .strict();

export const EMPTY_MOMENTS: Readonly<Moments> = Object.freeze({ count: 0, mean: 0, m2: 0 });

/** Thrown for a value that would poison an aggregate for good (NaN, ±∞, a negative duration). */
export class InvalidObservationError extends RangeError {
  constructor(value: number) {
    super(`an A/B metric value must be a finite number (and not negative for durations and tokens), got ${value}; the observation was not recorded`);
    this.name = "InvalidObservationError";
  }
}

/** Welford's update (Welford 1962; Knuth TAOCP vol. 2, §4.2.2): the moments with one more value. */
export function addObservation(m: Moments, x: number): Moments {
  if (!Number.isFinite(x)) throw new InvalidObservationError(x);
  const count = m.count + 1;
  const delta = x - m.mean;
  const mean = m.mean + delta / count;
  // (x − old mean)·(x − new mean) is never negative, so M2 only grows; the max() guards the
  // sub-ulp case where both factors round to opposite signs.
  const m2 = m.m2 + Math.max(0, delta * (x - mean));
  return { count, mean, m2 };
}

/** The moments of a list of values (used by tests and backfills; the running path adds one at a time). */
export function momentsOf(values: Iterable<number>): Moments {
  let m: Moments = EMPTY_MOMENTS;
  for (const x of values) m = addObservation(m, x);
  return m;
}

/**
 * The moments of the union of two disjoint sets of values (Chan, Golub & LeVeque 1979, "Updating
 * formulae and a pairwise algorithm for computing sample variances"): with δ = mean_b − mean_a,
 * mean = mean_a + δ·n_b/n and M2 = M2_a + M2_b + δ²·n_a·n_b/n. Associative and commutative up to
 * rounding, so shards, days or replicas can be aggregated in any order.
 */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (b.count === 0) return { ...a };
  if (a.count === 0) return { ...b };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  // Weighting the correction by the larger share keeps the mean exact when one side dominates.
  const mean = a.count >= b.count ? a.mean + delta * (b.count / count) : b.mean - delta * (a.count / count);
  const m2 = a.m2 + b.m2 + delta * delta * ((a.count * b.count) / count);
  return { count, mean, m2 };
}

/** The unbiased sample variance M2/(n − 1); 0 when there are fewer than two values. */
export function sampleVariance(m: Moments): number {
  return m.count < 2 ? 0 : m.m2 / (m.count - 1);
}

/**
 * Moments from a published count, sum and sum of squares, as reference results (GrowthBook's test
 * vectors, for one) are given. This is the cancelling formula the running moments avoid: use it only to
 * import figures that come as sums, never on the running path.
 */
export function momentsFromSums(count: number, sum: number, sumOfSquares: number): Moments {
  if (count === 0) return { ...EMPTY_MOMENTS };
  const mean = sum / count;
  return { count, mean, m2: Math.max(0, sumOfSquares - (sum * sum) / count) };
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The `SET` clause that applies one Welford step inside a single SQL `UPDATE`, for moments kept as three
 * columns (count INTEGER, mean REAL, m2 REAL). SQLite (and so D1 and Durable Object storage) evaluates
 * every `SET` expression against the row as it was before the update, so the step is atomic per row and
 * concurrent updates cannot interleave. `value` is the placeholder of the new value, e.g. `?1`, bound
 * as a number. Column names are code, never user input, and are checked.
 */
export function welfordSetClause(columns: { count: string; mean: string; m2: string }, value: string): string {
  for (const name of [columns.count, columns.mean, columns.m2]) {
    if (!SQL_IDENTIFIER.test(name)) throw new RangeError(`not a plain SQL column name: ${name}`);
  }
  if (!/^\?\d*$/.test(value)) throw new RangeError(`the value must be a ? placeholder, got ${value}`);
  const { count: n, mean, m2 } = columns;
  const delta = `(${value} - ${mean})`;
  return `${n} = ${n} + 1, ${mean} = ${mean} + ${delta} / (${n} + 1), ${m2} = ${m2} + max(0, ${delta} * (${delta} - ${delta} / (${n} + 1)))`;
}
