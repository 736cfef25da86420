import { assertAlpha, DEFAULT_ALPHA } from "./comparison";

/**
 * Always-valid inference: asymptotic confidence sequences (Waudby-Smith, Arnold, Wu, Howard & Ramdas,
 * "Time-uniform central limit theory and asymptotic confidence sequences", 2023, arXiv:2103.06476v7),
 * as GrowthBook implements them for its sequential testing. With N the observations in both arms, σ̂
 * the standard error of the estimate μ̂ and ρ the mixture's tuning parameter, the (1 − α) sequence is
 *
 *   μ̂ ± σ̂·√N·√( 2(Nρ² + 1)/(N²ρ²) · ln(√(Nρ² + 1)/α) )                         (eq. 9)
 *
 * and it covers the true effect at every N simultaneously with probability ≥ 1 − α asymptotically: it
 * may be read after every task without inflating false positives. The matching always-valid p-value is
 * the reciprocal of the normal-mixture e-value (eq. 155, reparameterised),
 *
 *   p = min(1, √(Nρ² + 1) · exp(−ρ²·N·z² / (2(Nρ² + 1)))),   z = μ̂/σ̂,
 *
 * and p < α exactly when the sequence excludes 0.
 *
 * ρ is chosen so the sequence is tightest at N* observations (eq. 161):
 *   ρ = √( (−2 ln α + ln(−2 ln α + 1)) / N* ).
 */

/**
 * N*, the total sample (both arms) at which the sequence is tightest and costs the least power against
 * a fixed-horizon test. GrowthBook defaults to 5,000 users; agent tasks are slower and dearer than page
 * views, and a decision about an agent version is typically taken after a few hundred tasks per arm
 * (the seed's 14-day example at 80/20), so Switchyard tunes for 1,000 tasks in total. A test that runs
 * far past N* stays valid; its intervals are just somewhat wider than they could have been.
 */
export const DEFAULT_SEQUENTIAL_TUNING = 1000;

/** ρ for a two-sided sequence at level α, tightest at `tuning` (N*) observations. */
export function mixtureRho(alpha = DEFAULT_ALPHA, tuning = DEFAULT_SEQUENTIAL_TUNING): number {
  assertAlpha(alpha);
  if (!(tuning > 0) || !Number.isFinite(tuning)) throw new RangeError(`the sequential tuning N* must be a positive number, got ${tuning}`);
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

export interface SequentialResult {
  /** The always-valid p-value at this N. */
  pValue: number;
  /** The (1 − α) confidence sequence's interval at this N. */
  interval: [number, number];
  halfWidth: number;
}

export interface SequentialOptions {
  alpha?: number;
  /** N*; ignored when `rho` is given. */
  tuning?: number;
  rho?: number;
}

/**
 * The confidence sequence and always-valid p-value for an estimate with standard error `standardError`
 * after `n` observations in total (both arms). The estimate may be a difference or a relative lift:
 * only its standard error matters.
 */
export function confidenceSequence(estimate: number, standardError: number, n: number, options: SequentialOptions = {}): SequentialResult {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const rho = options.rho ?? mixtureRho(alpha, options.tuning ?? DEFAULT_SEQUENTIAL_TUNING);
  assertAlpha(alpha);
  if (!(n > 0) || !(standardError > 0)) throw new RangeError(`a confidence sequence needs n > 0 and a positive standard error, got n=${n}, se=${standardError}`);
  const nRho2 = n * rho * rho;
  const halfWidth = standardError * Math.sqrt(n) * Math.sqrt(((2 * (nRho2 + 1)) / (n * nRho2)) * Math.log(Math.sqrt(nRho2 + 1) / alpha));
  const z = estimate / standardError;
  // In logs: the e-value's exponent overflows for large effects, while its reciprocal just goes to 0.
  const logP = 0.5 * Math.log(nRho2 + 1) - (nRho2 * z * z) / (2 * (nRho2 + 1));
  return { pValue: Math.min(1, Math.exp(logP)), interval: [estimate - halfWidth, estimate + halfWidth], halfWidth };
}
