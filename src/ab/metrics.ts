/** The metrics an A/B test of agent versions can judge, as the contract names them. */
export const AB_METRICS = ["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"] as const;
export type AbMetric = (typeof AB_METRICS)[number];

export interface MetricSpec {
  /** A rate (successes out of outcomes, two-proportion tests) or a mean (Welch's t-test). */
  kind: "rate" | "mean";
  /** Which way is better for b. */
  better: "higher" | "lower";
  description: string;
}

export const METRIC_SPECS: Readonly<Record<AbMetric, MetricSpec>> = {
  success_rate: { kind: "rate", better: "higher", description: "succeeded ÷ finished tasks" },
  avg_duration_ms: { kind: "mean", better: "lower", description: "mean time from hand-out to completion, ms" },
  avg_token_usage: { kind: "mean", better: "lower", description: "mean tokens_in + tokens_out per finished task" },
  quality_score: { kind: "rate", better: "higher", description: "thumbs up ÷ rated tasks" },
};
