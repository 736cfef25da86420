import { describe, expect, it } from "vitest";
import { chiSquareSurvival, normalCdf, normalQuantile, studentCdf, studentQuantile } from "../../src/ab/distributions";
import { momentsFromSums, momentsOf, sampleVariance } from "../../src/ab/moments";
import { benjaminiHochbergAdjust, holmAdjust } from "../../src/ab/multiple-testing";
import { relativeLift } from "../../src/ab/relative-lift";
import { sampleRatioPValue } from "../../src/ab/sample-ratio";
import { confidenceSequence, mixtureRho } from "../../src/ab/sequential";
import { rate, twoProportionZTest, varianceOfRate } from "../../src/ab/two-proportion";
import { welchDegreesOfFreedom, welchTTest } from "../../src/ab/welch";

// Every expected number in this file was published by someone else: GrowthBook's test suites (their
// Python engine, gbstats, and their TypeScript back end), R's documented outputs, and standard tables.
// None was computed with the code under test. GrowthBook figures are from the growthbook/growthbook
// repository (snapshot 8f1db445, August 2026):
//   GB-PY  packages/stats/tests/frequentist/test_tests.py   (rounded to 5 decimals there)
//   GB-BE  packages/back-end/test/stats.test.ts             (SRM, 9 decimals)
//   GB-SH  packages/shared/test/experiments.test.ts         (Holm and Benjamini–Hochberg)

/** |actual − expected| within half a unit of the last published decimal. */
function expectRounded(actual: number | undefined, expected: number, decimals: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12);
}

// GB-PY's two sample-mean statistics, given as (n, Σx, Σx²).
const gbA = momentsFromSums(3407, 1396.87, 52377.9767);
const gbB = momentsFromSums(3461, 2422.7, 134698.29);
const gbA3000 = momentsFromSums(3000, 1396.87, 52377.9767);

const meanEstimate = (m: ReturnType<typeof momentsOf>) => ({ mean: m.mean, varianceOfMean: sampleVariance(m) / m.count });
const welchDf = (a: ReturnType<typeof momentsOf>, b: ReturnType<typeof momentsOf>) =>
  welchDegreesOfFreedom(sampleVariance(a) / a.count, a.count, sampleVariance(b) / b.count, b.count);

describe("distributions (stdlib) against standard tables", () => {
  it("give the textbook normal, t and χ² values", () => {
    expectRounded(normalCdf(1.96), 0.9750021, 7);
    expectRounded(normalQuantile(0.975), 1.959964, 6);
    expectRounded(studentQuantile(0.975, 10), 2.228139, 6);
    expectRounded(studentQuantile(0.975, 1), 12.7062, 4);
    expectRounded(studentCdf(2.228139, 10), 0.975, 6);
    expectRounded(chiSquareSurvival(3.841459, 1), 0.05, 7);
    expectRounded(chiSquareSurvival(5.991465, 2), 0.05, 7);
  });

  it("treat df = ∞ as the standard normal (stdlib alone answers 0.5 and NaN there)", () => {
    expect(studentCdf(1, Number.POSITIVE_INFINITY)).toBe(normalCdf(1));
    expect(studentQuantile(0.975, Number.POSITIVE_INFINITY)).toBe(normalQuantile(0.975));
  });
});

describe("Welch's t-test", () => {
  it("matches GrowthBook's absolute two-sided vector (GB-PY test_two_sided_ttest_absolute)", () => {
    const t = welchTTest(gbA, gbB);
    expectRounded(t?.estimate, 0.29, 5);
    expectRounded(t?.standardError, 0.12478, 5);
    expectRounded(t?.interval[0], 0.04538, 5);
    expectRounded(t?.interval[1], 0.53462, 5);
    expectRounded(t?.pValue, 0.02016, 5);
  });

  it("matches GrowthBook's one-sided vectors at full precision, read as a two-sided 90% test (GB-PY TestOneSided*TTest absolute)", () => {
    // A one-sided 95% bound is a bound of the two-sided 90% interval, and the two-sided p-value is twice
    // the smaller one-sided p-value (the t distribution is symmetric).
    const t = welchTTest(gbA3000, gbB, 0.1);
    expect(t?.estimate).toBeCloseTo(0.23437666666666668, 12);
    expect(t?.standardError).toBeCloseTo(0.12983081254184736, 12);
    expect(t?.interval[0]).toBeCloseTo(0.020791480063255735, 9);
    expect(t?.interval[1]).toBeCloseTo(0.44796185327007765, 9);
    expect(t?.pValue).toBeCloseTo(2 * 0.03554272489873023, 9);
  });

  it("matches R's t.test(extra ~ group, data = sleep): t = −1.8608, df = 17.776, p = 0.07939", () => {
    // The `sleep` data set (Cushny & Peebles 1905, as shipped with R): extra hours of sleep under two drugs.
    const group1 = momentsOf([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]);
    const group2 = momentsOf([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]);
    // R reports group 1 − group 2; ours is b − a, so a = group 2, b = group 1 gives R's signs.
    const t = welchTTest(group2, group1);
    expectRounded(t?.statistic, -1.8608, 4);
    expectRounded(t?.df, 17.776, 3);
    expectRounded(t?.pValue, 0.07939, 5);
    expectRounded(t?.interval[0], -3.3654832, 7);
    expectRounded(t?.interval[1], 0.2054832, 7);
    expectRounded(t?.estimate, 0.75 - 2.33, 12);
  });

  it("has nothing to say without two values per arm or any spread", () => {
    expect(welchTTest(momentsOf([1]), momentsOf([1, 2, 3]))).toBeNull();
    expect(welchTTest(momentsOf([5, 5, 5]), momentsOf([7, 7, 7]))).toBeNull();
    expect(() => welchTTest(gbA, gbB, 1.5)).toThrow(RangeError);
  });
});

describe("two-proportion z-test", () => {
  it("matches R's prop.test(c(179, 203), c(300, 400), correct = FALSE): X² = 5.4979, p = 0.01904", () => {
    // Published at http://homepages.gac.edu/~anienow2/MCS_142/R/R-2-prop.html (Gustavus Adolphus
    // College). X² is Pearson's χ², which equals z² with the pooled SE; the interval is R's Wald interval.
    const a = { count: 400, successes: 203 };
    const b = { count: 300, successes: 179 };
    const z = twoProportionZTest(a, b);
    expectRounded((z?.statistic ?? 0) ** 2, 5.4979, 4);
    expectRounded(z?.pValue, 0.01904, 5);
    expectRounded(z?.interval[0], 0.01512659, 8);
    expectRounded(z?.interval[1], 0.16320674, 8);
    expectRounded(z?.estimate, 0.5966667 - 0.5075, 7);
  });

  it("matches R's prop.test(c(21, 38), c(100, 100), correct = FALSE, conf.level = 0.99): X² = 6.948, p = 0.008392", () => {
    const z = twoProportionZTest({ count: 100, successes: 38 }, { count: 100, successes: 21 }, 0.01);
    expectRounded((z?.statistic ?? 0) ** 2, 6.948, 3);
    expectRounded(z?.pValue, 0.008392, 6);
    expectRounded(z?.interval[0], -0.333214919, 9);
    expectRounded(z?.interval[1], -0.006785081, 9);
  });

  it("matches R's prop.test(c(82, 104), c(108, 143), correct = FALSE): X² = 0.32805, p = 0.5668", () => {
    const z = twoProportionZTest({ count: 143, successes: 104 }, { count: 108, successes: 82 });
    expectRounded((z?.statistic ?? 0) ** 2, 0.32805, 5);
    expectRounded(z?.pValue, 0.5668, 4);
    expectRounded(z?.interval[0], -0.0767781, 7);
    expectRounded(z?.interval[1], 0.1407512, 7);
  });

  it("uses the pooled SE for the p-value and the unpooled SE for the interval", () => {
    const a = { count: 400, successes: 203 };
    const b = { count: 300, successes: 179 };
    const z = twoProportionZTest(a, b);
    const pooled = 382 / 700;
    expect(z?.pooledStandardError).toBeCloseTo(Math.sqrt(pooled * (1 - pooled) * (1 / 400 + 1 / 300)), 15);
    expect(z?.standardError).toBeCloseTo(Math.sqrt(varianceOfRate(a) + varianceOfRate(b)), 15);
    expect(z?.statistic).toBeCloseTo((rate(b) - rate(a)) / (z?.pooledStandardError ?? 1), 15);
  });

  it("has nothing to say for an empty arm or when both arms are all successes", () => {
    expect(twoProportionZTest({ count: 0, successes: 0 }, { count: 10, successes: 5 })).toBeNull();
    expect(twoProportionZTest({ count: 10, successes: 10 }, { count: 20, successes: 20 })).toBeNull();
  });
});

describe("relative lift (delta method)", () => {
  it("matches GrowthBook's relative two-sided vector for means (GB-PY test_two_sided_ttest)", () => {
    const lift = relativeLift(meanEstimate(gbA), meanEstimate(gbB), { df: welchDf(gbA, gbB) });
    expectRounded(lift?.estimate, 0.70732, 5);
    expectRounded(lift?.standardError, 0.37879, 5);
    expectRounded(lift?.interval[0], -0.03526, 5);
    expectRounded(lift?.interval[1], 1.44989, 5);
    expectRounded(lift?.pValue, 0.06191, 5);
  });

  it("matches GrowthBook's relative one-sided vectors at full precision, read as a two-sided 90% interval", () => {
    const lift = relativeLift(meanEstimate(gbA3000), meanEstimate(gbB), { df: welchDf(gbA3000, gbB), alpha: 0.1 });
    expect(lift?.estimate).toBeCloseTo(0.5033610858562358, 12);
    expect(lift?.standardError).toBeCloseTo(0.3334122146400735, 12);
    expect(lift?.interval[0]).toBeCloseTo(-0.045136675850396046, 9);
    expect(lift?.interval[1]).toBeCloseTo(1.0518588475628676, 9);
    expect(lift?.pValue).toBeCloseTo(2 * 0.06558262868467746, 9);
  });

  it("matches GrowthBook's relative vector for proportions, 14/28 vs 16/30 (GB-PY test_two_sided_ttest_binom)", () => {
    // GrowthBook runs proportions through the same t machinery, with p(1 − p) as the variance and Welch's df.
    const a = { count: 28, successes: 14 };
    const b = { count: 30, successes: 16 };
    const ea = { mean: rate(a), varianceOfMean: varianceOfRate(a) };
    const eb = { mean: rate(b), varianceOfMean: varianceOfRate(b) };
    const lift = relativeLift(ea, eb, { df: welchDegreesOfFreedom(ea.varianceOfMean, 28, eb.varianceOfMean, 30) });
    expectRounded(lift?.estimate, 0.06667, 5);
    expectRounded(lift?.standardError, 0.2717, 5);
    expectRounded(lift?.interval[0], -0.47767, 5);
    expectRounded(lift?.interval[1], 0.61101, 5);
    expectRounded(lift?.pValue, 0.80707, 5);
  });

  it("is undefined against a zero baseline, and keeps 'b is higher' positive for a negative one", () => {
    expect(relativeLift({ mean: 0, varianceOfMean: 1 }, { mean: 1, varianceOfMean: 1 })).toBeNull();
    // GrowthBook's frequentist_diff convention (packages/stats/tests/test_utils.py): −10 → −5 is +0.5.
    expect(relativeLift({ mean: -10, varianceOfMean: 1 }, { mean: -5, varianceOfMean: 1 })?.estimate).toBeCloseTo(0.5, 15);
  });
});

describe("sequential testing (asymptotic confidence sequences)", () => {
  it("matches GrowthBook's sequential vector for means, N* = 1000 (GB-PY test_sequential_test_runs)", () => {
    const lift = relativeLift(meanEstimate(gbA3000), meanEstimate(gbB));
    expectRounded(lift?.estimate, 0.50336, 5);
    expectRounded(lift?.standardError, 0.33341, 5);
    const cs = confidenceSequence(lift?.estimate ?? 0, lift?.standardError ?? 1, 3000 + 3461, { tuning: 1000 });
    expectRounded(cs.interval[0], -0.55844, 5);
    expectRounded(cs.interval[1], 1.56516, 5);
    expect(cs.pValue).toBe(1);
  });

  it("matches GrowthBook's sequential vector for proportions, N* = 5000 (GB-PY test_sequential_test_runs_prop)", () => {
    const a = { count: 3000, successes: 1396 };
    const b = { count: 3461, successes: 2422 };
    const lift = relativeLift({ mean: rate(a), varianceOfMean: varianceOfRate(a) }, { mean: rate(b), varianceOfMean: varianceOfRate(b) });
    expectRounded(lift?.estimate, 0.50386, 5);
    expectRounded(lift?.standardError, 0.03386, 5);
    const cs = confidenceSequence(lift?.estimate ?? 0, lift?.standardError ?? 1, 6461, { tuning: 5000 });
    expectRounded(cs.interval[0], 0.40098, 5);
    expectRounded(cs.interval[1], 0.60675, 5);
    expectRounded(cs.pValue, 0, 5);
  });

  it("is tightest near N* (GB-PY test_sequential_test_tuning_as_expected)", () => {
    const lift = relativeLift(meanEstimate(gbA3000), meanEstimate(gbB));
    const width = (tuning: number) => confidenceSequence(lift?.estimate ?? 0, lift?.standardError ?? 1, 6461, { tuning }).halfWidth;
    expect(width(10)).toBeGreaterThan(width(10_000));
    expect(width(10)).toBeGreaterThan(width(6461));
    expect(width(10_000)).toBeGreaterThan(width(6461));
  });

  it("computes ρ by Waudby-Smith et al.'s eq. 161 and is always wider than the fixed-horizon interval", () => {
    const l = -2 * Math.log(0.05);
    expect(mixtureRho(0.05, 1000)).toBeCloseTo(Math.sqrt((l + Math.log(l + 1)) / 1000), 15);
    for (const n of [50, 200, 1000, 5000, 100_000]) {
      expect(confidenceSequence(0, 1, n).halfWidth).toBeGreaterThan(normalQuantile(0.975));
    }
  });

  it("says p < α exactly when the sequence excludes 0", () => {
    for (const estimate of [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]) {
      for (const n of [200, 600, 1000, 3000]) {
        const cs = confidenceSequence(estimate, 0.07, n);
        expect(cs.pValue < 0.05, `${estimate} at n=${n}`).toBe(cs.interval[0] > 0);
      }
    }
  });

  it("refuses a non-positive standard error, n or N*", () => {
    expect(() => confidenceSequence(1, 0, 100)).toThrow(RangeError);
    expect(() => confidenceSequence(1, 1, 0)).toThrow(RangeError);
    expect(() => mixtureRho(0.05, 0)).toThrow(RangeError);
  });
});

describe("sample-ratio check (χ²)", () => {
  it("matches every GrowthBook SRM vector (GB-BE 'calculates SRM correctly')", () => {
    expectRounded(sampleRatioPValue([1000, 1200], [0.5, 0.5]), 0.000020079, 9);
    expectRounded(sampleRatioPValue([135, 115], [0.5, 0.5]), 0.205903211, 9);
    expectRounded(sampleRatioPValue([310, 98], [0.75, 0.25]), 0.647434186, 9);
    expect(sampleRatioPValue([1000, 900, 800], [1, 0, 0])).toBe(1);
    expectRounded(sampleRatioPValue([1000, 1200, 900], [0.5, 0.5, 0]), 0.000020079, 9);
    expect(sampleRatioPValue([0, 0, 0], [0.34, 0.33, 0.33])).toBe(1);
    expectRounded(sampleRatioPValue([0, 10, 10], [0.34, 0.33, 0.33]), 0.005790624, 9);
    expectRounded(sampleRatioPValue([500, 500, 600], [0.34, 0.33, 0.33]), 0.000592638, 9);
    expect(sampleRatioPValue([500, 500], [0.5, 0.5])).toBe(1);
  });

  it("reads a split as weights, whatever their scale (the seed's 80/20)", () => {
    expect(sampleRatioPValue([790, 210], [80, 20])).toBeCloseTo(sampleRatioPValue([790, 210], [0.8, 0.2]), 14);
  });

  it("refuses one weight too few, and negative counts or weights", () => {
    expect(() => sampleRatioPValue([1000], [0.5, 0.5])).toThrow(RangeError);
    expect(() => sampleRatioPValue([-1, 5], [1, 1])).toThrow(RangeError);
    expect(() => sampleRatioPValue([1, 5], [1, -1])).toThrow(RangeError);
  });
});

describe("multiple-testing corrections", () => {
  it("Holm matches GrowthBook's vector (GB-SH 'does HB procedure correctly')", () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005, 0.55, 0.6]);
    [0.05, 0.12, 0.12, 0.03, 1, 1].forEach((expected, i) => expectRounded(adjusted[i], expected, 12));
    const pair = holmAdjust([0.025, 0.03]);
    [0.05, 0.05].forEach((expected, i) => expectRounded(pair[i], expected, 12));
  });

  it("Benjamini–Hochberg matches GrowthBook's vector (GB-SH 'does BH procedure correctly')", () => {
    const adjusted = benjaminiHochbergAdjust([0.898, 0.138, 0.007, 0.964, 0.538, 0.006, 0.138]);
    [0.964, 0.2415, 0.0245, 0.964, 0.7532, 0.0245, 0.2415].forEach((expected, i) => expectRounded(adjusted[i], expected, 8));
    const pair = benjaminiHochbergAdjust([0.025, 0.03]);
    [0.03, 0.03].forEach((expected, i) => expectRounded(pair[i], expected, 12));
  });

  it("never lowers a p-value, and Holm is at least as strict as Benjamini–Hochberg", () => {
    const ps = [0.001, 0.2, 0.049, 0.03, 0.7, 0.0125];
    const holm = holmAdjust(ps);
    const bh = benjaminiHochbergAdjust(ps);
    ps.forEach((p, i) => {
      expect(holm[i]).toBeGreaterThanOrEqual(p);
      expect(bh[i]).toBeGreaterThanOrEqual(p);
      expect(holm[i]).toBeGreaterThanOrEqual(bh[i] as number);
    });
    expect(holmAdjust([])).toEqual([]);
  });

  it("refuses a p-value outside [0, 1]", () => {
    expect(() => holmAdjust([0.5, 1.2])).toThrow(RangeError);
    expect(() => benjaminiHochbergAdjust([Number.NaN])).toThrow(RangeError);
  });
});
