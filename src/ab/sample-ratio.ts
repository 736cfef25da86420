import { chiSquareSurvival } from "./distributions";

/**
 * A sample-ratio mismatch (SRM) is flagged below this p-value. An SRM means the arms did not receive the
 * traffic the split promised (broken hashing, a version that crashes before its task is counted, a
 * filter on one arm only), so any comparison between them is biased whatever it says. The threshold is
 * strict because the check runs on every read: at 0.001 a healthy test is falsely flagged about once in
 * a thousand reads.
 */
export const SRM_P_THRESHOLD = 0.001;

/**
 * Pearson's χ² goodness-of-fit test of observed counts against the split's weights:
 * χ² = Σ (oᵢ − eᵢ)²/eᵢ with eᵢ = wᵢ/Σw · Σo, on (arms − 1) degrees of freedom. Arms with a weight of 0
 * are left out (they are not meant to receive traffic). With fewer than two weighted arms, or no
 * observations at all, there is nothing to test and the p-value is 1.
 */
export function sampleRatioPValue(counts: readonly number[], weights: readonly number[]): number {
  if (counts.length !== weights.length) throw new RangeError(`one weight per arm: got ${counts.length} counts and ${weights.length} weights`);
  const arms: { observed: number; weight: number }[] = [];
  counts.forEach((observed, i) => {
    const weight = weights[i] as number;
    if (!(observed >= 0) || !Number.isFinite(observed)) throw new RangeError(`arm counts must be non-negative, got ${observed}`);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`split weights must be non-negative, got ${weight}`);
    if (weight > 0) arms.push({ observed, weight });
  });
  const total = arms.reduce((s, arm) => s + arm.observed, 0);
  const totalWeight = arms.reduce((s, arm) => s + arm.weight, 0);
  if (arms.length < 2 || total === 0) return 1;
  let chiSquare = 0;
  for (const { observed, weight } of arms) {
    const expected = (weight / totalWeight) * total;
    chiSquare += (observed - expected) ** 2 / expected;
  }
  return chiSquareSurvival(chiSquare, arms.length - 1);
}

/** The contract's `srm` block for a two-arm test: the χ² p-value of the assigned counts, and whether it passes. */
export function checkSampleRatio(assigned: { a: number; b: number }, split: { a: number; b: number }): { p_value: number; ok: boolean } {
  const p = sampleRatioPValue([assigned.a, assigned.b], [split.a, split.b]);
  return { p_value: p, ok: p >= SRM_P_THRESHOLD };
}
