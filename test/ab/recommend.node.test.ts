import { describe, expect, it } from "vitest";
import { type ArmAggregate, emptyArm } from "../../src/ab/arm-aggregate";
import type { Moments } from "../../src/ab/moments";
import { type RecommendInput, recommend } from "../../src/ab/recommend";

/** Moments with a given mean and standard deviation over n values. */
const moments = (n: number, mean: number, sd: number): Moments => ({ count: n, mean, m2: sd * sd * (n - 1) });

/** A healthy arm of n finished tasks: 90% success, 4 s ± 1 s, 1500 ± 400 tokens, 40% rated, 70% up. */
function arm(n: number, overrides: Partial<ArmAggregate> = {}): ArmAggregate {
  const rated = Math.round(n * 0.4);
  return {
    assigned: n,
    samples: n,
    successes: Math.round(n * 0.9),
    duration_ms: moments(n, 4000, 1000),
    token_usage: moments(n, 1500, 400),
    rated,
    up: Math.round(rated * 0.7),
    ...overrides,
  };
}

const input = (a: ArmAggregate, b: ArmAggregate, extra: Partial<RecommendInput> = {}): RecommendInput => ({
  arms: { a, b },
  traffic_split: { a: 50, b: 50 },
  ...extra,
});

describe("recommend: the contract's shape", () => {
  it("answers {metrics: {name: {difference, relative_lift, p_value, confidence_interval, significant, method}}, srm: {p_value, ok}, recommendation, reason}", () => {
    const verdict = recommend(input(arm(1000), arm(1000)));
    expect(Object.keys(verdict).sort()).toEqual(["metrics", "reason", "recommendation", "roll_back", "srm"]);
    expect(Object.keys(verdict.metrics)).toEqual(["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"]);
    for (const m of Object.values(verdict.metrics)) {
      expect(Object.keys(m).sort()).toEqual(["confidence_interval", "difference", "method", "p_value", "relative_lift", "significant"]);
    }
    expect(Object.keys(verdict.srm).sort()).toEqual(["ok", "p_value"]);
    expect(verdict.recommendation).toBe("inconclusive");
    expect(verdict.reason).toMatch(/no metric differs significantly/);
  });

  it("names the method of each metric: sequential by default, fixed-horizon on request", () => {
    const sequential = recommend(input(arm(500), arm(500)));
    expect(sequential.metrics.success_rate?.method).toBe("sequential_two_proportion");
    expect(sequential.metrics.quality_score?.method).toBe("sequential_two_proportion");
    expect(sequential.metrics.avg_duration_ms?.method).toBe("sequential_welch");
    const fixed = recommend(input(arm(500), arm(500), { sequential: false }));
    expect(fixed.metrics.success_rate?.method).toBe("two_proportion_z");
    expect(fixed.metrics.avg_token_usage?.method).toBe("welch_t");
  });

  it("reports only the test's metrics", () => {
    const verdict = recommend(input(arm(500), arm(500), { metrics: ["avg_token_usage", "success_rate"] }));
    expect(Object.keys(verdict.metrics).sort()).toEqual(["avg_token_usage", "success_rate"]);
  });

  it("gives nulls, never NaN, for an empty test, and survives JSON unchanged", () => {
    const verdict = recommend(input(emptyArm(), emptyArm()));
    expect(verdict.srm).toEqual({ p_value: 1, ok: true });
    expect(verdict.recommendation).toBe("inconclusive");
    expect(verdict.reason).toMatch(/min_samples/);
    for (const m of Object.values(verdict.metrics)) {
      expect(m).toMatchObject({ difference: null, relative_lift: null, p_value: null, confidence_interval: null, significant: false });
    }
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  });
});

describe("recommend: verdicts", () => {
  it("keeps a, and would roll back, when b's success rate drops 10 points", () => {
    const verdict = recommend(input(arm(1000), arm(1000, { successes: 800 })));
    expect(verdict.recommendation).toBe("keep_a");
    expect(verdict.roll_back).toBe(true);
    expect(verdict.metrics.success_rate).toMatchObject({ significant: true });
    expect(verdict.metrics.success_rate?.difference).toBeCloseTo(-0.1, 12);
    expect(verdict.metrics.success_rate?.relative_lift).toBeCloseTo(-0.1 / 0.9, 12);
    expect(verdict.metrics.success_rate?.confidence_interval?.[1]).toBeLessThan(0);
    expect(verdict.reason).toMatch(/b is significantly worse on success_rate \(b − a = -10\.0 points/);
  });

  it("keeps a when b is worse on one metric even though it is better on another", () => {
    const verdict = recommend(input(arm(1000), arm(1000, { successes: 800, duration_ms: moments(1000, 3000, 1000) })));
    expect(verdict.recommendation).toBe("keep_a");
    expect(verdict.metrics.avg_duration_ms?.significant).toBe(true);
    expect(verdict.reason).toMatch(/despite being better on avg_duration_ms/);
  });

  it("promotes b when it is significantly faster and cheaper and worse on nothing (lower is better for those)", () => {
    const verdict = recommend(input(arm(1000), arm(1000, { duration_ms: moments(1000, 3500, 1000), token_usage: moments(1000, 1300, 400) })));
    expect(verdict.recommendation).toBe("promote_b");
    expect(verdict.roll_back).toBe(false);
    expect(verdict.metrics.avg_duration_ms?.difference).toBeCloseTo(-500, 9);
    expect(verdict.metrics.avg_duration_ms?.relative_lift).toBeCloseTo(-0.125, 12);
    expect(verdict.reason).toMatch(/b is significantly better on avg_duration_ms .*avg_token_usage/);
  });

  it("keeps a when b is significantly slower (higher duration is worse)", () => {
    const verdict = recommend(input(arm(1000), arm(1000, { duration_ms: moments(1000, 4500, 1000) })));
    expect(verdict.recommendation).toBe("keep_a");
    expect(verdict.roll_back).toBe(false);
  });

  it("promotes b on a better quality score (thumbs up ÷ rated)", () => {
    const verdict = recommend(input(arm(2000, { rated: 800, up: 480 }), arm(2000, { rated: 800, up: 640 })));
    expect(verdict.metrics.quality_score?.difference).toBeCloseTo(0.2, 12);
    expect(verdict.recommendation).toBe("promote_b");
  });

  it("applies Holm's correction across the metrics: p ≈ 0.03 on one of four is not significant, on its own it is", () => {
    // Fixed-horizon, so the raw p-value is the Welch test's: SE = 10 ms, a difference of −21.7 ms.
    const a = arm(200, { duration_ms: moments(200, 1000, 100) });
    const b = arm(200, { duration_ms: moments(200, 978.3, 100) });
    const four = recommend(input(a, b, { sequential: false }));
    const raw = four.metrics.avg_duration_ms?.p_value ?? 1;
    expect(raw).toBeGreaterThan(0.0125);
    expect(raw).toBeLessThan(0.05);
    expect(four.metrics.avg_duration_ms?.significant).toBe(false);
    expect(four.recommendation).toBe("inconclusive");
    const alone = recommend(input(a, b, { sequential: false, metrics: ["avg_duration_ms"] }));
    expect(alone.metrics.avg_duration_ms?.significant).toBe(true);
    expect(alone.recommendation).toBe("promote_b");
  });

  it("is more cautious sequentially: a difference significant at a single planned look is not yet significant at any-time validity", () => {
    const a = arm(300);
    const b = arm(300, { duration_ms: moments(300, 3780, 1000) });
    const fixed = recommend(input(a, b, { sequential: false, metrics: ["avg_duration_ms"] }));
    const sequential = recommend(input(a, b, { metrics: ["avg_duration_ms"] }));
    expect(fixed.metrics.avg_duration_ms?.significant).toBe(true);
    expect(sequential.metrics.avg_duration_ms?.significant).toBe(false);
    const [lo, hi] = sequential.metrics.avg_duration_ms?.confidence_interval ?? [0, 0];
    const [flo, fhi] = fixed.metrics.avg_duration_ms?.confidence_interval ?? [0, 0];
    expect(hi - lo).toBeGreaterThan(fhi - flo);
  });
});

describe("recommend: gates", () => {
  it("blocks every verdict, and the roll-back, on a sample-ratio mismatch", () => {
    const verdict = recommend(input(arm(1000, { assigned: 1000 }), arm(1000, { assigned: 1200, successes: 700 })));
    expect(verdict.srm.ok).toBe(false);
    expect(verdict.srm.p_value).toBeLessThan(0.001);
    expect(verdict.recommendation).toBe("inconclusive");
    expect(verdict.roll_back).toBe(false);
    expect(verdict.reason).toMatch(/sample ratio mismatch: 1000 runs went to a and 1200 to b against a 50\/50 split/);
    for (const m of Object.values(verdict.metrics)) expect(m.significant).toBe(false);
    // The numbers are still shown: only the verdict is withheld.
    expect(verdict.metrics.success_rate?.p_value).toBeLessThan(0.001);
  });

  it("checks the configured split, like the seed's 80/20", () => {
    const healthy = recommend(input(arm(800), arm(200), { traffic_split: { a: 80, b: 20 } }));
    expect(healthy.srm.ok).toBe(true);
    const skewed = recommend(input(arm(500), arm(500), { traffic_split: { a: 80, b: 20 } }));
    expect(skewed.srm.ok).toBe(false);
    expect(skewed.recommendation).toBe("inconclusive");
  });

  it("gives no verdict before min_samples finished tasks per arm (default 100), however clear the data", () => {
    const verdict = recommend(input(arm(99, { successes: 95 }), arm(99, { successes: 40 })));
    expect(verdict.recommendation).toBe("inconclusive");
    expect(verdict.roll_back).toBe(false);
    expect(verdict.reason).toBe("waiting for 100 finished tasks per arm (min_samples): a has 99, b has 99");
    const lower = recommend(input(arm(99, { successes: 85 }), arm(99, { successes: 40 }), { min_samples: 50 }));
    expect(lower.recommendation).toBe("keep_a");
    expect(lower.roll_back).toBe(true);
  });

  it("does not judge a rate with fewer than 10 successes or 10 failures per arm, and judges the other metrics", () => {
    // Every task succeeds in both arms: success_rate cannot be tested, yet b is clearly faster.
    const verdict = recommend(input(arm(1000, { successes: 1000 }), arm(1000, { successes: 1000, duration_ms: moments(1000, 3000, 1000) })));
    expect(verdict.metrics.success_rate).toMatchObject({ difference: 0, p_value: null, confidence_interval: null, significant: false });
    expect(verdict.recommendation).toBe("promote_b");

    const fewFailures = recommend(input(arm(1000, { successes: 995 }), arm(1000, { successes: 960 })));
    expect(fewFailures.metrics.success_rate?.p_value).toBeNull();
    expect(fewFailures.recommendation).toBe("inconclusive");
    expect(fewFailures.roll_back).toBe(false);
    expect(fewFailures.reason).toMatch(/success_rate needs at least 10 successes and 10 failures per arm \(a has 995 successes and 5 failures\)/);
  });

  it("does not judge a mean with fewer than min_samples values per arm (tokens not reported)", () => {
    const verdict = recommend(input(arm(500, { token_usage: moments(40, 1500, 400) }), arm(500, { token_usage: moments(40, 900, 400) })));
    expect(verdict.metrics.avg_token_usage?.p_value).toBeNull();
    expect(verdict.metrics.avg_token_usage?.difference).toBe(-600);
    expect(verdict.recommendation).toBe("inconclusive");
  });

  it("judges success_rate for the roll-back even when the test does not list it", () => {
    const verdict = recommend(input(arm(1000), arm(1000, { successes: 800 }), { metrics: ["avg_duration_ms"] }));
    expect(Object.keys(verdict.metrics)).toEqual(["avg_duration_ms"]);
    expect(verdict.recommendation).toBe("inconclusive");
    expect(verdict.roll_back).toBe(true);
  });
});

describe("recommend: bad input", () => {
  it("refuses no metrics, repeated or unknown metrics, a bad min_samples and a bad split", () => {
    const ok = input(arm(100), arm(100));
    expect(() => recommend({ ...ok, metrics: [] })).toThrow(RangeError);
    expect(() => recommend({ ...ok, metrics: ["success_rate", "success_rate"] })).toThrow(/must not repeat/);
    expect(() => recommend({ ...ok, metrics: ["latency" as never] })).toThrow(/unknown A\/B metric latency/);
    expect(() => recommend({ ...ok, min_samples: 0 })).toThrow(/min_samples/);
    expect(() => recommend({ ...ok, min_samples: 2.5 })).toThrow(/min_samples/);
    expect(() => recommend({ ...ok, traffic_split: { a: -1, b: 2 } })).toThrow(/traffic_split/);
    expect(() => recommend({ ...ok, traffic_split: { a: 0, b: 0 } })).toThrow(/traffic_split/);
    expect(() => recommend({ ...ok, alpha: 0 })).toThrow(/alpha/);
  });
});
