// Corrections for testing several metrics at once. An A/B test judges up to four metrics; at α = 5%
// each, a version that changes nothing would "win" or "lose" on at least one of them far more often
// than 5% of the time. Both corrections return adjusted p-values in the input's order, to be compared
// with α as they are.

function checkedOrder(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must lie in [0, 1], got ${p}`);
  }
  // Indices by ascending p-value; ties keep their input order, so equal p-values get equal results.
  return pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
}

/**
 * Holm's step-down procedure (Holm 1979, "A simple sequentially rejective multiple test procedure"):
 * with p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted p₍ᵢ₎ is max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). It controls
 * the family-wise error rate (the chance of any false verdict) at α under any dependence between the
 * metrics, and is uniformly more powerful than Bonferroni. Used for the recommendation.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = checkedOrder(pValues);
  const m = order.length;
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg (1995, "Controlling the false discovery rate"): the adjusted p₍ᵢ₎ is min over
 * j ≥ i of min(1, m·p₍ⱼ₎/j). It controls the expected share of false discoveries among the metrics
 * called significant (for independent or positively dependent tests), which is less strict than Holm.
 * Exposed for reports; verdicts use Holm.
 */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  const order = checkedOrder(pValues);
  const m = order.length;
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank] as number;
    // p·(m/i) rather than (m·p)/i: at i = m the factor is exactly 1 and p comes back unchanged.
    running = Math.min(running, Math.min(1, (pValues[index] as number) * (m / (rank + 1))));
    adjusted[index] = running;
  }
  return adjusted;
}
