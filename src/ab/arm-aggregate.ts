import { z } from "zod";
import type { AbMetric } from "./metrics";
import { addObservation, EMPTY_MOMENTS, InvalidObservationError, type Moments, mergeMoments, momentsSchema } from "./moments";
import type { Proportion } from "./two-proportion";

/**
 * Everything the statistics need about one arm, kept up to date as tasks happen (never recomputed from
 * them). Counts and three running moments: a fixed, small shape whatever the number of tasks.
 */
export interface ArmAggregate {
  /** Runs routed to this arm (what the sample-ratio check compares with the split). */
  assigned: number;
  /** Finished tasks (succeeded or failed). */
  samples: number;
  /** Finished tasks that succeeded. */
  successes: number;
  /** Hand-out → completion of finished tasks, ms. */
  duration_ms: Moments;
  /** tokens_in + tokens_out of finished tasks that reported them. */
  token_usage: Moments;
  /** Tasks rated thumbs up or down. */
  rated: number;
  /** Tasks rated thumbs up. */
  up: number;
}

export const armAggregateSchema = z
  .object({
    assigned: z.number().int().nonnegative(),
    samples: z.number().int().nonnegative(),
    successes: z.number().int().nonnegative(),
    duration_ms: momentsSchema,
    token_usage: momentsSchema,
    rated: z.number().int().nonnegative(),
    up: z.number().int().nonnegative(),
  })
  .strict()
  .refine((a) => a.successes <= a.samples && a.up <= a.rated, { message: "successes cannot exceed samples, nor up exceed rated" });

export function emptyArm(): ArmAggregate {
  return { assigned: 0, samples: 0, successes: 0, duration_ms: { ...EMPTY_MOMENTS }, token_usage: { ...EMPTY_MOMENTS }, rated: 0, up: 0 };
}

export function recordAssignment(arm: ArmAggregate): ArmAggregate {
  return { ...arm, assigned: arm.assigned + 1 };
}

/**
 * One finished task. `tokens` is null when the worker reported none (the token mean skips it). A negative
 * or non-finite duration or token count is refused (InvalidObservationError) rather than folded into
 * moments that could never be corrected.
 */
export function recordFinishedTask(arm: ArmAggregate, task: { succeeded: boolean; duration_ms: number; tokens: number | null }): ArmAggregate {
  if (!(task.duration_ms >= 0)) throw new InvalidObservationError(task.duration_ms);
  if (task.tokens !== null && !(task.tokens >= 0)) throw new InvalidObservationError(task.tokens);
  return {
    ...arm,
    samples: arm.samples + 1,
    successes: arm.successes + (task.succeeded ? 1 : 0),
    duration_ms: addObservation(arm.duration_ms, task.duration_ms),
    token_usage: task.tokens === null ? arm.token_usage : addObservation(arm.token_usage, task.tokens),
  };
}

export function recordRating(arm: ArmAggregate, up: boolean): ArmAggregate {
  return { ...arm, rated: arm.rated + 1, up: arm.up + (up ? 1 : 0) };
}

/** Two aggregates of the same arm over disjoint tasks (shards, days), combined. */
export function mergeArms(x: ArmAggregate, y: ArmAggregate): ArmAggregate {
  return {
    assigned: x.assigned + y.assigned,
    samples: x.samples + y.samples,
    successes: x.successes + y.successes,
    duration_ms: mergeMoments(x.duration_ms, y.duration_ms),
    token_usage: mergeMoments(x.token_usage, y.token_usage),
    rated: x.rated + y.rated,
    up: x.up + y.up,
  };
}

/** The data one metric is judged on, in one arm. */
export type MetricData = { kind: "rate"; proportion: Proportion } | { kind: "mean"; moments: Moments };

export function metricData(arm: ArmAggregate, metric: AbMetric): MetricData {
  switch (metric) {
    case "success_rate":
      return { kind: "rate", proportion: { count: arm.samples, successes: arm.successes } };
    case "quality_score":
      return { kind: "rate", proportion: { count: arm.rated, successes: arm.up } };
    case "avg_duration_ms":
      return { kind: "mean", moments: arm.duration_ms };
    case "avg_token_usage":
      return { kind: "mean", moments: arm.token_usage };
  }
}

/** The per-arm figures the contract shows under `arms.a` / `arms.b` (without `version`); null where no data yet. */
export function summarizeArm(arm: ArmAggregate): {
  assigned: number;
  samples: number;
  success_rate: number | null;
  avg_duration_ms: number | null;
  avg_token_usage: number | null;
  quality_score: number | null;
  rated: number;
} {
  return {
    assigned: arm.assigned,
    samples: arm.samples,
    success_rate: arm.samples === 0 ? null : arm.successes / arm.samples,
    avg_duration_ms: arm.duration_ms.count === 0 ? null : arm.duration_ms.mean,
    avg_token_usage: arm.token_usage.count === 0 ? null : arm.token_usage.mean,
    quality_score: arm.rated === 0 ? null : arm.up / arm.rated,
    rated: arm.rated,
  };
}
