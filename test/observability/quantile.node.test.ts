import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quantile, quantileFrom } from "../../src/observability/quantile";

// Definition 7 of Hyndman & Fan (1996): R's quantile() default (type = 7) and NumPy's percentile()
// default ("linear"). The expected values are those the two libraries print for these inputs.
describe("quantiles (Hyndman & Fan type 7, as R and NumPy compute them)", () => {
  it("matches R: quantile(1:10, c(0.5, 0.95)) is 5.5 and 9.55", () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(x, 0.5)).toBe(5.5);
    expect(quantile(x, 0.95)).toBeCloseTo(9.55, 12);
  });

  it("matches R: quantile(c(1, 3, 7, 15, 31), c(0.25, 0.5, 0.95)) is 3, 7 and 27.8", () => {
    const x = [31, 7, 1, 15, 3];
    expect(quantile(x, 0.25)).toBe(3);
    expect(quantile(x, 0.5)).toBe(7);
    expect(quantile(x, 0.95)).toBeCloseTo(27.8, 12);
  });

  it("matches NumPy's documented example: percentile([[10, 7, 4], [3, 2, 1]], 50) is 3.5", () => {
    expect(quantile([10, 7, 4, 3, 2, 1], 0.5)).toBe(3.5);
  });

  it("is the value itself for one value, and nothing for none", () => {
    expect(quantile([42], 0.95)).toBe(42);
    expect(quantile([], 0.5)).toBeNull();
  });

  it("needs only the two order statistics around its position (what SQL returns)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, p) => {
        const sorted = [...values].sort((a, b) => a - b);
        const h = 1 + (sorted.length - 1) * p;
        const needed = new Set([Math.floor(h), Math.floor(h) + 1]);
        const fromNeighbours = quantileFrom(sorted.length, p, (rank) => (needed.has(rank) ? sorted[rank - 1] : undefined));
        expect(fromNeighbours).toBe(quantile(values, p));
      }),
    );
  });
});
