import type { ArmAggregate } from "./arm-aggregate";
import type { AbMetric } from "./metrics";
import type { Moments } from "./moments";
import type { Proportion } from "./two-proportion";

// The minimum-sample gates. Every test here is asymptotic (the t and normal approximations, the
// confidence sequences' central limit theorem), and early results of A/B tests are the least reliable
// ones, so nothing is judged before there is enough to judge.

/** Finished tasks per arm before any verdict (the contract's `min_samples` default). */
export const DEFAULT_MIN_SAMPLES = 100;

/**
 * Successes and failures each arm needs before a rate is judged: the usual rule of thumb (np ≥ 10 and
 * n(1 − p) ≥ 10) for the normal approximation of a binomial proportion.
 */
export const MIN_RATE_OUTCOMES = 10;

/** Why the test as a whole cannot be judged yet, or null. */
export function sampleGate(a: ArmAggregate, b: ArmAggregate, minSamples: number): string | null {
  if (a.samples >= minSamples && b.samples >= minSamples) return null;
  return `waiting for ${minSamples} finished tasks per arm (min_samples): a has ${a.samples}, b has ${b.samples}`;
}

/** Why a rate cannot be judged yet, or null. */
export function rateGate(metric: AbMetric, a: Proportion, b: Proportion): string | null {
  const missing: string[] = [];
  for (const [name, p] of [["a", a], ["b", b]] as const) {
    const failures = p.count - p.successes;
    if (p.successes < MIN_RATE_OUTCOMES || failures < MIN_RATE_OUTCOMES) missing.push(`${name} has ${p.successes} successes and ${failures} failures`);
  }
  if (missing.length === 0) return null;
  return `${metric} needs at least ${MIN_RATE_OUTCOMES} successes and ${MIN_RATE_OUTCOMES} failures per arm (${missing.join("; ")})`;
}

/**
 * Why a mean cannot be judged yet, or null. Its values come from finished tasks, so it needs the same
 * `min_samples` per arm; token counts can have fewer values than tasks when workers do not report them.
 */
export function meanGate(metric: AbMetric, a: Moments, b: Moments, minSamples: number): string | null {
  const needed = Math.max(2, minSamples);
  if (a.count >= needed && b.count >= needed) return null;
  return `${metric} needs ${needed} values per arm (a has ${a.count}, b has ${b.count})`;
}
