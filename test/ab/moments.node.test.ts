import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { armAggregateSchema, emptyArm, mergeArms, recordAssignment, recordFinishedTask, recordRating, summarizeArm } from "../../src/ab/arm-aggregate";
import {
  addObservation,
  EMPTY_MOMENTS,
  InvalidObservationError,
  type Moments,
  mergeMoments,
  momentsFromSums,
  momentsOf,
  momentsSchema,
  sampleVariance,
} from "../../src/ab/moments";
import { seededRandom } from "./simulate";

/** Two-pass mean and M2: the textbook definition, exact enough on well-scaled data to be the reference. */
function twoPass(values: readonly number[]): { mean: number; m2: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  return { mean, m2: values.reduce((s, x) => s + (x - mean) ** 2, 0) };
}

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe("running moments (Welford)", () => {
  it("match the two-pass mean and sum of squared deviations", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const m = momentsOf(values);
        const ref = twoPass(values);
        expect(m.count).toBe(values.length);
        expect(m.mean).toBeCloseTo(ref.mean, 6);
        expect(Math.abs(m.m2 - ref.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, ref.m2) + 1e-6);
        expect(m.m2).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("give the unbiased sample variance M2/(n − 1), and 0 below two values", () => {
    expect(sampleVariance(momentsOf([2, 4, 4, 4, 5, 5, 7, 9]))).toBeCloseTo(32 / 7, 12);
    expect(sampleVariance(momentsOf([42]))).toBe(0);
    expect(sampleVariance(EMPTY_MOMENTS)).toBe(0);
  });

  it("keep the variance of values near 1e9 where Σx² − (Σx)²/n loses every digit", () => {
    // Durations in ms near 10⁹ (about 11.6 days) plus noise in [0, 1): every value is exactly
    // representable (noise in 1/1024 steps), so the noise alone gives the exact M2.
    const random = seededRandom(20261204);
    const noise = Array.from({ length: 10_000 }, () => Math.floor(random() * 1024) / 1024);
    const values = noise.map((e) => 1e9 + e);
    const exact = twoPass(noise).m2; // shifting by a constant does not change M2

    const welford = momentsOf(values);
    expect(relativeError(welford.m2, exact)).toBeLessThan(1e-6);
    // The mean itself is only as exact as numbers near 1e9 can be (their spacing is 1.2e-7).
    expect(Math.abs(welford.mean - 1e9 - twoPass(noise).mean)).toBeLessThan(1e-5);

    // The naive formula on the same values: the two sums agree to ~16 digits and their difference is noise.
    const sum = values.reduce((s, x) => s + x, 0);
    const sumOfSquares = values.reduce((s, x) => s + x * x, 0);
    const naive = sumOfSquares - (sum * sum) / values.length;
    expect(relativeError(naive, exact)).toBeGreaterThan(1);

    // Merged from shards, the precision holds too.
    const shards = [0, 1, 2, 3].map((k) => momentsOf(values.slice(k * 2500, (k + 1) * 2500)));
    const merged = shards.reduce(mergeMoments, EMPTY_MOMENTS);
    expect(merged.count).toBe(10_000);
    expect(relativeError(merged.m2, exact)).toBeLessThan(1e-6);
  });

  it("refuse NaN and ±∞ instead of poisoning the aggregate", () => {
    const m = momentsOf([1, 2, 3]);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => addObservation(m, bad)).toThrow(InvalidObservationError);
    }
    expect(m).toEqual(momentsOf([1, 2, 3]));
  });
});

describe("merging moments (Chan et al.)", () => {
  const values = fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { maxLength: 60 });

  it("equals adding the values one by one, split anywhere", () => {
    fc.assert(
      fc.property(values, values, (left, right) => {
        const merged = mergeMoments(momentsOf(left), momentsOf(right));
        const direct = momentsOf([...left, ...right]);
        expect(merged.count).toBe(direct.count);
        expect(merged.mean).toBeCloseTo(direct.mean, 6);
        expect(Math.abs(merged.m2 - direct.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, direct.m2));
      }),
    );
  });

  it("is commutative and associative up to rounding, so shards combine in any order", () => {
    fc.assert(
      fc.property(values, values, values, (x, y, z) => {
        const [a, b, c] = [momentsOf(x), momentsOf(y), momentsOf(z)];
        const left = mergeMoments(mergeMoments(a, b), c);
        const right = mergeMoments(a, mergeMoments(c, b));
        expect(left.count).toBe(right.count);
        expect(left.mean).toBeCloseTo(right.mean, 6);
        expect(Math.abs(left.m2 - right.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, left.m2));
      }),
    );
  });

  it("treats an empty side as the identity", () => {
    const m = momentsOf([3, 1, 4, 1, 5]);
    expect(mergeMoments(m, EMPTY_MOMENTS)).toEqual(m);
    expect(mergeMoments(EMPTY_MOMENTS, m)).toEqual(m);
    expect(mergeMoments(EMPTY_MOMENTS, EMPTY_MOMENTS)).toEqual(EMPTY_MOMENTS);
  });
});

describe("stored shape", () => {
  it("is three numbers that survive JSON and the schema, and the schema refuses broken rows", () => {
    const m = momentsOf([120, 340, 560]);
    const back = momentsSchema.parse(JSON.parse(JSON.stringify(m)));
    expect(back).toEqual(m);
    expect(Object.keys(back).sort()).toEqual(["count", "m2", "mean"]);
    for (const bad of [{ count: -1, mean: 0, m2: 0 }, { count: 1.5, mean: 0, m2: 0 }, { count: 2, mean: 1, m2: -3 }, { count: 2, mean: null, m2: 0 }, { count: 2, mean: 1, m2: 0, extra: 1 }]) {
      expect(momentsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("can be imported from a published count, sum and sum of squares", () => {
    const m: Moments = momentsFromSums(4, 10, 30); // 1, 2, 3, 4
    expect(m).toEqual(momentsOf([1, 2, 3, 4]));
    expect(momentsFromSums(0, 0, 0)).toEqual(EMPTY_MOMENTS);
  });
});

describe("arm aggregates", () => {
  it("count assignments, outcomes, durations, tokens and ratings, in O(1) space", () => {
    let arm = emptyArm();
    arm = recordAssignment(recordAssignment(arm));
    arm = recordFinishedTask(arm, { succeeded: true, duration_ms: 1000, tokens: 300 });
    arm = recordFinishedTask(arm, { succeeded: false, duration_ms: 3000, tokens: null });
    arm = recordRating(recordRating(arm, true), false);
    expect(summarizeArm(arm)).toEqual({ assigned: 2, samples: 2, success_rate: 0.5, avg_duration_ms: 2000, avg_token_usage: 300, quality_score: 0.5, rated: 2 });
    expect(armAggregateSchema.parse(JSON.parse(JSON.stringify(arm)))).toEqual(arm);
  });

  it("report null figures, not NaN, for an arm without data", () => {
    expect(summarizeArm(emptyArm())).toEqual({ assigned: 0, samples: 0, success_rate: null, avg_duration_ms: null, avg_token_usage: null, quality_score: null, rated: 0 });
  });

  it("refuse a negative or non-finite duration or token count and keep the aggregate unchanged", () => {
    const arm = recordFinishedTask(emptyArm(), { succeeded: true, duration_ms: 10, tokens: 5 });
    for (const task of [
      { succeeded: true, duration_ms: -1, tokens: 5 },
      { succeeded: true, duration_ms: Number.NaN, tokens: 5 },
      { succeeded: true, duration_ms: 10, tokens: -5 },
      { succeeded: true, duration_ms: 10, tokens: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => recordFinishedTask(arm, task)).toThrow(InvalidObservationError);
    }
    expect(summarizeArm(arm).samples).toBe(1);
  });

  it("merge like one aggregate of all the tasks", () => {
    const tasks = Array.from({ length: 40 }, (_, i) => ({ succeeded: i % 3 !== 0, duration_ms: 100 + i * 7, tokens: i % 5 === 0 ? null : 50 + i }));
    const all = tasks.reduce(recordFinishedTask, emptyArm());
    const merged = mergeArms(tasks.slice(0, 17).reduce(recordFinishedTask, emptyArm()), tasks.slice(17).reduce(recordFinishedTask, emptyArm()));
    expect(merged.samples).toBe(all.samples);
    expect(merged.successes).toBe(all.successes);
    expect(merged.token_usage.count).toBe(all.token_usage.count);
    expect(merged.duration_ms.mean).toBeCloseTo(all.duration_ms.mean, 9);
    expect(merged.duration_ms.m2).toBeCloseTo(all.duration_ms.m2, 6);
    expect(merged.token_usage.m2).toBeCloseTo(all.token_usage.m2, 6);
  });

  it("schema refuses more successes than samples or more thumbs up than ratings", () => {
    const arm = { ...emptyArm(), samples: 3, successes: 4 };
    expect(armAggregateSchema.safeParse(arm).success).toBe(false);
    expect(armAggregateSchema.safeParse({ ...emptyArm(), rated: 1, up: 2 }).success).toBe(false);
  });
});
