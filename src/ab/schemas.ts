import { z } from "@hono/zod-openapi";
import { AB_TEST_STATUSES } from "../db/schema";
import { AgentIdSchema, ListQuery, TimestampSchema, listOf } from "../http/openapi";
import { AB_METRICS } from "./metrics";

// A/B tests at the HTTP boundary (api-v1-coordination.md, "A/B tests").

/** The largest `duration_days` accepted: ten years is past any test anyone means to run. */
export const MAX_DURATION_DAYS = 3650;

const VersionText = z.string({ error: 'must be a version string: quote versions in YAML, as a: "1.2.0"' }).min(1).max(256);
const SplitWeight = z
  .number({ error: "must be a number: the arm's share of runs, in percent" })
  .finite()
  .gt(0, "must be more than 0: an arm that gets no runs cannot be compared")
  .lt(100, "must be less than 100: an arm that gets no runs cannot be compared");
const MetricName = z.enum(AB_METRICS, { error: `is not a metric; one of ${AB_METRICS.join(", ")}` });

export const CreateAbTestSchema = z
  .strictObject({
    agent: AgentIdSchema.openapi({ description: "The agent whose versions are compared.", example: "revenue-analyst" }),
    versions: z
      .strictObject({ a: VersionText, b: VersionText })
      .openapi({ description: "Two published versions: `a` the control (where traffic returns when the test ends without promoting b), `b` the candidate." }),
    traffic_split: z
      .strictObject({ a: SplitWeight, b: SplitWeight })
      .openapi({ description: "Percent of runs each arm gets; they sum to 100.", example: { a: 80, b: 20 } }),
    metrics: z
      .array(MetricName)
      .min(1, "needs at least one metric")
      .openapi({ description: `What the recommendation judges, from: ${AB_METRICS.join(", ")}.` }),
    duration_days: z
      .number()
      .finite()
      .positive()
      .max(MAX_DURATION_DAYS)
      .optional()
      .openapi({ description: "After this many days the test ends as `completed` (default: it runs until stopped or promoted)." }),
    min_samples: z.number().int().min(1).max(1_000_000).optional().openapi({ description: "Finished tasks per arm before any verdict (default 100)." }),
    sequential: z.boolean().optional().openapi({ description: "Always-valid p-values and intervals that may be read at any time (default true)." }),
    auto_rollback: z
      .boolean()
      .optional()
      .openapi({ description: "Stop the test as `rolled_back` as soon as b is significantly worse on success_rate (default false)." }),
  })
  .superRefine((body, ctx) => {
    const total = body.traffic_split.a + body.traffic_split.b;
    // Weights like 33.3 + 66.7 are 100 to the user, and 99.99999999999999 to floating point.
    if (Math.abs(total - 100) > 1e-9)
      ctx.addIssue({ code: "custom", path: ["traffic_split"], message: `must sum to 100 (percent of runs); a ${body.traffic_split.a} + b ${body.traffic_split.b} is ${total}` });
    const seen = new Set<string>();
    body.metrics.forEach((metric, i) => {
      if (seen.has(metric)) ctx.addIssue({ code: "custom", path: ["metrics", i], message: `lists ${metric} twice` });
      seen.add(metric);
    });
  })
  .openapi("CreateAbTest", {
    description: "As JSON, or as YAML (`Content-Type: application/yaml`), where the fields may sit under a top-level `ab_test:` as in the seed.",
  });

export type CreateAbTest = z.infer<typeof CreateAbTestSchema>;

export const AbTestIdPathSchema = z.object({
  ab_test_id: z.string().regex(/^ab_[0-9a-z]{26}$/, "is not an A/B test id (ab_…)").openapi({ example: "ab_01jd3k5b8q0c7m2x4v6n9p1r3t" }),
});

export const ListAbTestsQuery = ListQuery.extend({
  agent: AgentIdSchema.optional().openapi({ description: "Only this agent's tests." }),
  status: z.enum(AB_TEST_STATUSES).optional(),
});

export const StopAbTestSchema = z.strictObject({ reason: z.string().max(1000).optional() }).openapi("StopAbTest");

const ArmSchema = z
  .object({
    version: z.string(),
    assigned: z.number().int().openapi({ description: "Runs routed to this arm (counted when the run started)." }),
    samples: z.number().int().openapi({ description: "Finished tasks: succeeded, failed or timed out (cancelled ones are not the version's doing)." }),
    success_rate: z.number().nullable(),
    avg_duration_ms: z.number().nullable().openapi({ description: "Hand-out → completion of tasks the agent completed." }),
    avg_token_usage: z.number().nullable().openapi({ description: "tokens_in + tokens_out of tasks that reported usage." }),
    quality_score: z.number().nullable().openapi({ description: "Thumbs up ÷ rated." }),
    rated: z.number().int(),
  })
  .openapi("AbTestArm");

const MetricVerdictSchema = z
  .object({
    difference: z.number().nullable().openapi({ description: "b − a in the metric's unit (a rate as a fraction: −0.1 is ten points lower)." }),
    relative_lift: z.number().nullable(),
    p_value: z.number().nullable(),
    confidence_interval: z.tuple([z.number(), z.number()]).nullable(),
    significant: z.boolean().openapi({ description: "After Holm's correction across the test's metrics and every gate." }),
    method: z.enum(["welch_t", "two_proportion_z", "sequential_welch", "sequential_two_proportion"]),
  })
  .openapi("AbMetricVerdict");

export const AbTestSchema = z
  .object({
    ab_test_id: z.string(),
    agent: z.string(),
    versions: z.object({ a: z.string(), b: z.string() }),
    traffic_split: z.object({ a: z.number(), b: z.number() }),
    duration_days: z.number().nullable(),
    min_samples: z.number().int(),
    sequential: z.boolean(),
    auto_rollback: z.boolean(),
    status: z.enum(AB_TEST_STATUSES),
    started_at: TimestampSchema,
    ends_at: TimestampSchema.nullable().openapi({ description: "started_at + duration_days: when the test completes by itself." }),
    ended_at: TimestampSchema.nullable(),
    ended_by: z.string().nullable(),
    end_reason: z.string().nullable(),
    created_by: z.string(),
    arms: z.object({ a: ArmSchema, b: ArmSchema }),
    metrics: z.partialRecord(z.enum(AB_METRICS), MetricVerdictSchema).openapi({ description: "One verdict per metric of the test, in the order they were listed." }),
    srm: z.object({ p_value: z.number(), ok: z.boolean() }).openapi({ description: "The sample-ratio check of `assigned` against the split (χ², p < 0.001 fails and blocks every verdict)." }),
    recommendation: z.enum(["keep_a", "promote_b", "inconclusive"]),
    reason: z.string(),
  })
  .openapi("AbTest");

export type AbTestView = z.infer<typeof AbTestSchema>;

export const AbTestListSchema = listOf(AbTestSchema, "AbTestList");
