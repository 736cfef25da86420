import { type ArmAggregate, metricData } from "./arm-aggregate";
import { meanGate, rateGate } from "./gates";
import type { AbMetric } from "./metrics";
import { sampleVariance } from "./moments";
import { confidenceSequence } from "./sequential";
import { rate, twoProportionZTest, varianceOfRate } from "./two-proportion";
import { welchTTest } from "./welch";

/**
 * How a metric was judged. Fixed-horizon: Welch's t-test for means, the two-proportion z-test for
 * rates, valid when read once at a planned sample size. Sequential: the same difference and the same
 * unequal-variance (unpooled) standard error, judged by the asymptotic confidence sequence, valid at
 * every read.
 */
export type MetricMethod = "welch_t" | "two_proportion_z" | "sequential_welch" | "sequential_two_proportion";

export interface MetricAnalysis {
  metric: AbMetric;
  method: MetricMethod;
  /** b − a in the metric's unit (a rate's difference as a fraction: −0.1 is 10 points lower). null without data in both arms. */
  difference: number | null;
  /** (b − a)/|a|; null when a's value is 0 or missing. */
  relativeLift: number | null;
  /** The test's own p-value, before any correction across metrics; null while gated. */
  pValue: number | null;
  /** The (1 − α) interval (or confidence sequence) for the difference; null while gated. */
  interval: [number, number] | null;
  /** Why this metric cannot be judged yet, or null. */
  gate: string | null;
}

export interface AnalysisOptions {
  sequential: boolean;
  alpha: number;
  /** N* of the confidence sequences. */
  tuning: number;
  minSamples: number;
}

function methodFor(kind: "rate" | "mean", sequential: boolean): MetricMethod {
  if (kind === "rate") return sequential ? "sequential_two_proportion" : "two_proportion_z";
  return sequential ? "sequential_welch" : "welch_t";
}

/** One metric of one test, from the two arms' aggregates: O(1) whatever the number of tasks. */
export function analyzeMetric(metric: AbMetric, armA: ArmAggregate, armB: ArmAggregate, options: AnalysisOptions): MetricAnalysis {
  const a = metricData(armA, metric);
  const b = metricData(armB, metric);
  const method = methodFor(a.kind, options.sequential);
  const gated = (difference: number | null, relativeLift: number | null, gate: string): MetricAnalysis => ({
    metric,
    method,
    difference,
    relativeLift,
    pValue: null,
    interval: null,
    gate,
  });

  if (a.kind === "rate" && b.kind === "rate") {
    const pa = a.proportion;
    const pb = b.proportion;
    const difference = pa.count > 0 && pb.count > 0 ? rate(pb) - rate(pa) : null;
    const relativeLift = difference !== null && rate(pa) > 0 ? difference / rate(pa) : null;
    const gate = rateGate(metric, pa, pb);
    if (gate !== null || difference === null) return gated(difference, relativeLift, gate ?? `${metric} has no data in one arm`);
    if (options.sequential) {
      const standardError = Math.sqrt(varianceOfRate(pa) + varianceOfRate(pb));
      const cs = confidenceSequence(difference, standardError, pa.count + pb.count, { alpha: options.alpha, tuning: options.tuning });
      return { metric, method, difference, relativeLift, pValue: cs.pValue, interval: cs.interval, gate: null };
    }
    // Cannot be null: the gate guarantees successes and failures in both arms.
    const test = twoProportionZTest(pa, pb, options.alpha);
    if (test === null) return gated(difference, relativeLift, `${metric} has no variance`);
    return { metric, method, difference, relativeLift, pValue: test.pValue, interval: test.interval, gate: null };
  }

  if (a.kind === "mean" && b.kind === "mean") {
    const ma = a.moments;
    const mb = b.moments;
    const difference = ma.count > 0 && mb.count > 0 ? mb.mean - ma.mean : null;
    const relativeLift = difference !== null && ma.mean !== 0 ? difference / Math.abs(ma.mean) : null;
    const gate = meanGate(metric, ma, mb, options.minSamples);
    if (gate !== null || difference === null) return gated(difference, relativeLift, gate ?? `${metric} has no data in one arm`);
    const standardError = Math.sqrt(sampleVariance(ma) / ma.count + sampleVariance(mb) / mb.count);
    // Both arms constant (every task took the same tokens, say): a difference, but no test can weigh it.
    if (!(standardError > 0)) return gated(difference, relativeLift, `${metric} has no variance in either arm`);
    if (options.sequential) {
      const cs = confidenceSequence(difference, standardError, ma.count + mb.count, { alpha: options.alpha, tuning: options.tuning });
      return { metric, method, difference, relativeLift, pValue: cs.pValue, interval: cs.interval, gate: null };
    }
    const test = welchTTest(ma, mb, options.alpha);
    if (test === null) return gated(difference, relativeLift, `${metric} has no variance in either arm`);
    return { metric, method, difference, relativeLift, pValue: test.pValue, interval: test.interval, gate: null };
  }

  throw new TypeError(`metric ${metric} has mismatched kinds across arms`);
}
