import type { ArmAggregate } from "./arm-aggregate";
import { assertAlpha, DEFAULT_ALPHA } from "./comparison";
import { DEFAULT_MIN_SAMPLES, sampleGate } from "./gates";
import { type AnalysisOptions, analyzeMetric, type MetricAnalysis, type MetricMethod } from "./metric-analysis";
import { AB_METRICS, type AbMetric, METRIC_SPECS } from "./metrics";
import { holmAdjust } from "./multiple-testing";
import { checkSampleRatio } from "./sample-ratio";
import { DEFAULT_SEQUENTIAL_TUNING } from "./sequential";

/** One metric in `GET /v1/ab-tests/{id}`, exactly as the contract names its fields. */
export interface MetricVerdict {
  difference: number | null;
  relative_lift: number | null;
  p_value: number | null;
  confidence_interval: [number, number] | null;
  significant: boolean;
  method: MetricMethod;
}

export type Recommendation = "keep_a" | "promote_b" | "inconclusive";

export interface AbVerdict {
  metrics: Partial<Record<AbMetric, MetricVerdict>>;
  srm: { p_value: number; ok: boolean };
  recommendation: Recommendation;
  reason: string;
  /**
   * b is significantly worse on success_rate (after Holm, every gate passed): what `auto_rollback: true`
   * acts on. Not a contract field; the lifecycle reads it and stops the test as `rolled_back`.
   */
  roll_back: boolean;
}

export interface RecommendInput {
  arms: { a: ArmAggregate; b: ArmAggregate };
  /** The test's metrics (default: all four). They form the family Holm's correction runs over. */
  metrics?: readonly AbMetric[];
  /** The configured split, as weights (80/20, 0.8/0.2, 4/1 are the same split). */
  traffic_split: { a: number; b: number };
  /** Always-valid p-values and intervals (default true). */
  sequential?: boolean;
  min_samples?: number;
  alpha?: number;
  /** N* of the confidence sequences (default DEFAULT_SEQUENTIAL_TUNING). */
  sequential_tuning?: number;
}

const formatP = (p: number) => (p < 0.0001 ? p.toExponential(1) : p.toPrecision(2));

function describe(analysis: MetricAnalysis, adjustedP: number): string {
  const d = analysis.difference ?? 0;
  const amount = METRIC_SPECS[analysis.metric].kind === "rate" ? `${(d * 100).toFixed(1)} points` : d.toPrecision(3);
  return `${analysis.metric} (b − a = ${d >= 0 ? "+" : ""}${amount}, Holm-adjusted p = ${formatP(adjustedP)})`;
}

/** Whether a significant difference favours b, given which way is better for the metric. */
const favoursB = (metric: AbMetric, difference: number) => (METRIC_SPECS[metric].better === "higher" ? difference > 0 : difference < 0);

function validate(input: RecommendInput, metrics: readonly AbMetric[], minSamples: number): void {
  if (metrics.length === 0) throw new RangeError("an A/B test needs at least one metric");
  if (new Set(metrics).size !== metrics.length) throw new RangeError(`metrics must not repeat: ${metrics.join(", ")}`);
  for (const m of metrics) if (!AB_METRICS.includes(m)) throw new RangeError(`unknown A/B metric ${m}; one of ${AB_METRICS.join(", ")}`);
  assertAlpha(input.alpha ?? DEFAULT_ALPHA);
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new RangeError(`min_samples must be a positive integer, got ${minSamples}`);
  const { a, b } = input.traffic_split;
  if (!(a >= 0 && b >= 0 && a + b > 0 && Number.isFinite(a + b))) throw new RangeError(`traffic_split weights must be non-negative and not both 0, got ${a}/${b}`);
}

/**
 * The verdict on an A/B test of agent versions, from both arms' aggregates.
 *
 * The rule, in order (docs/ab-tests.md):
 * 1. a sample-ratio mismatch (χ² p < 0.001 of `assigned` against the split) blocks every verdict:
 *    inconclusive, whatever the metrics say;
 * 2. so does either arm having fewer than `min_samples` finished tasks;
 * 3. each metric is tested (sequential or fixed-horizon); a metric that is not ready (a rate with fewer
 *    than 10 successes or 10 failures in an arm, a mean with fewer than `min_samples` values) counts
 *    as p = 1 in the family, so the family is the test's metric list whatever the data;
 * 4. Holm's correction runs over the family; a metric is `significant` when its adjusted p < α;
 * 5. keep_a when b is significantly worse on any metric (a regression anywhere outweighs gains
 *    elsewhere); else promote_b when b is significantly better on at least one; else inconclusive.
 *
 * `roll_back` is true when b is significantly worse on success_rate after the gates. success_rate is
 * judged for it even when the test does not list it (on its own, outside the family): the safety net
 * must not depend on the metric list.
 */
export function recommend(input: RecommendInput): AbVerdict {
  const metrics = input.metrics ?? AB_METRICS;
  const minSamples = input.min_samples ?? DEFAULT_MIN_SAMPLES;
  validate(input, metrics, minSamples);
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const options: AnalysisOptions = {
    sequential: input.sequential ?? true,
    alpha,
    tuning: input.sequential_tuning ?? DEFAULT_SEQUENTIAL_TUNING,
    minSamples,
  };
  const { a, b } = input.arms;

  const srm = checkSampleRatio({ a: a.assigned, b: b.assigned }, input.traffic_split);
  const testGate = srm.ok
    ? sampleGate(a, b, minSamples)
    : `sample ratio mismatch: ${a.assigned} runs went to a and ${b.assigned} to b against a ${input.traffic_split.a}/${input.traffic_split.b} split (χ² p = ${formatP(srm.p_value)} < 0.001); assignment or counting is broken, so no comparison can be trusted until it is fixed`;

  const analyses = metrics.map((metric) => analyzeMetric(metric, a, b, options));
  const adjusted = holmAdjust(analyses.map((x) => x.pValue ?? 1));
  const significant = analyses.map((x, i) => testGate === null && x.gate === null && (adjusted[i] as number) < alpha);

  const result: AbVerdict["metrics"] = {};
  analyses.forEach((x, i) => {
    result[x.metric] = {
      difference: x.difference,
      relative_lift: x.relativeLift,
      p_value: x.pValue,
      confidence_interval: x.interval,
      significant: significant[i] as boolean,
      method: x.method,
    };
  });

  const worse: string[] = [];
  const better: string[] = [];
  analyses.forEach((x, i) => {
    if (!significant[i] || x.difference === null) return;
    (favoursB(x.metric, x.difference) ? better : worse).push(describe(x, adjusted[i] as number));
  });

  let rollBack = false;
  if (testGate === null) {
    const i = metrics.indexOf("success_rate");
    if (i >= 0) {
      rollBack = (significant[i] as boolean) && !favoursB("success_rate", analyses[i]?.difference ?? 0);
    } else {
      const alone = analyzeMetric("success_rate", a, b, options);
      rollBack = alone.gate === null && alone.pValue !== null && alone.pValue < alpha && !favoursB("success_rate", alone.difference ?? 0);
    }
  }

  const base = { metrics: result, srm, roll_back: rollBack };
  if (testGate !== null) return { ...base, recommendation: "inconclusive", reason: testGate };
  if (worse.length > 0) {
    const despite = better.length > 0 ? `, despite being better on ${better.join(", ")}` : "";
    return { ...base, recommendation: "keep_a", reason: `b is significantly worse on ${worse.join(", ")}${despite}` };
  }
  if (better.length > 0) return { ...base, recommendation: "promote_b", reason: `b is significantly better on ${better.join(", ")} and significantly worse on none` };
  const waiting = analyses.filter((x) => x.gate !== null).map((x) => x.gate);
  const why = waiting.length > 0 ? `; not yet judged: ${waiting.join("; ")}` : "";
  return { ...base, recommendation: "inconclusive", reason: `no metric differs significantly after Holm's correction at α = ${alpha}${why}` };
}
