import { assertAlpha, type Comparison, DEFAULT_ALPHA } from "./comparison";
import { studentQuantile, twoSidedP } from "./distributions";
import { type Moments, sampleVariance } from "./moments";

/**
 * The Welch–Satterthwaite degrees of freedom of a difference of two means with unequal variances
 * (Welch 1947; Satterthwaite 1946), from each arm's variance of its mean s²/n and its n:
 * (va + vb)² / (va²/(na − 1) + vb²/(nb − 1)).
 */
export function welchDegreesOfFreedom(varianceOfMeanA: number, countA: number, varianceOfMeanB: number, countB: number): number {
  const numerator = (varianceOfMeanA + varianceOfMeanB) ** 2;
  const denominator = varianceOfMeanA ** 2 / (countA - 1) + varianceOfMeanB ** 2 / (countB - 1);
  return numerator / denominator;
}

/**
 * Welch's two-sample t-test of mean_b − mean_a, from the arms' running moments alone. It does not assume
 * equal variances (an agent version that fails fast has a very different spread of durations).
 *
 * null when the test has nothing to say: an arm with fewer than two values has no variance, and two
 * arms without any spread give a standard error of 0.
 */
export function welchTTest(a: Moments, b: Moments, alpha = DEFAULT_ALPHA): Comparison | null {
  assertAlpha(alpha);
  if (a.count < 2 || b.count < 2) return null;
  const varianceOfMeanA = sampleVariance(a) / a.count;
  const varianceOfMeanB = sampleVariance(b) / b.count;
  const standardError = Math.sqrt(varianceOfMeanA + varianceOfMeanB);
  if (!(standardError > 0)) return null;
  const estimate = b.mean - a.mean;
  const df = welchDegreesOfFreedom(varianceOfMeanA, a.count, varianceOfMeanB, b.count);
  const statistic = estimate / standardError;
  const halfWidth = studentQuantile(1 - alpha / 2, df) * standardError;
  return { estimate, standardError, statistic, df, pValue: twoSidedP(statistic, df), interval: [estimate - halfWidth, estimate + halfWidth] };
}
