import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JITTER_FRACTION, MIN_INTERVAL_SECONDS, nextInterval } from "../../src/schedules/polling-backoff";

// The seed's polling trigger: every 300 s, backing off exponentially up to 3600 s.
const SEED = { interval_seconds: 300, max_interval_seconds: 3600 };
const noJitter = () => 0;

describe("nextInterval", () => {
  it("doubles while the condition finds nothing, up to the maximum, and resets when it starts a run", () => {
    const seen: number[] = [];
    let current = SEED.interval_seconds;
    for (const outcome of ["idle", "idle", "idle", "idle", "idle", "started", "idle"] as const) {
      current = nextInterval(current, outcome, SEED, noJitter).interval_seconds;
      seen.push(current);
    }
    expect(seen).toEqual([600, 1200, 2400, 3600, 3600, 300, 600]);
  });

  it("backs off the same way when the condition fails", () => {
    expect(nextInterval(300, "failed", SEED, noJitter).interval_seconds).toBe(600);
    expect(nextInterval(2400, "failed", SEED, noJitter).interval_seconds).toBe(3600);
    expect(nextInterval(3600, "failed", SEED, noJitter).interval_seconds).toBe(3600);
  });

  it("waits the nominal interval with no jitter, and at most 10% more with the largest", () => {
    expect(nextInterval(300, "idle", SEED, () => 0).delay_ms).toBe(600_000);
    expect(nextInterval(300, "idle", SEED, () => 0.5).delay_ms).toBe(630_000);
    expect(nextInterval(300, "idle", SEED, () => 0.999_999_9).delay_ms).toBe(659_999);
    expect(nextInterval(3600, "idle", SEED, () => 0.999_999_9).delay_ms).toBeLessThan(3600 * 1.1 * 1000);
  });

  it("never polls before the nominal interval, whatever the random source returns", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_INTERVAL_SECONDS, max: 3600 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom<"started" | "idle" | "failed">("started", "idle", "failed"),
        fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(-1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY)),
        (base, factor, current, outcome, r) => {
          const config = { interval_seconds: base, max_interval_seconds: base * factor };
          const { interval_seconds, delay_ms } = nextInterval(current, outcome, config, () => r);
          expect(interval_seconds).toBeGreaterThanOrEqual(base);
          expect(interval_seconds).toBeLessThanOrEqual(base * factor);
          expect(delay_ms).toBeGreaterThanOrEqual(interval_seconds * 1000);
          expect(delay_ms).toBeLessThanOrEqual(interval_seconds * 1000 * (1 + JITTER_FRACTION));
        },
      ),
    );
  });

  it("spreads the delays of many triggers polled at once", () => {
    const delays = new Set(Array.from({ length: 50 }, () => nextInterval(300, "idle", SEED).delay_ms));
    expect(delays.size).toBeGreaterThan(40);
  });

  it("brings a current interval outside the configured range back into it (the trigger was edited)", () => {
    expect(nextInterval(10_000, "idle", SEED, noJitter).interval_seconds).toBe(3600);
    expect(nextInterval(20, "idle", SEED, noJitter).interval_seconds).toBe(600);
    expect(nextInterval(Number.NaN, "idle", SEED, noJitter).interval_seconds).toBe(600);
  });

  it("refuses an interval under 10 s, a maximum under the interval, and fractions", () => {
    expect(() => nextInterval(9, "idle", { interval_seconds: 9, max_interval_seconds: 60 })).toThrow(/interval_seconds must be a whole number from 10/);
    expect(() => nextInterval(60, "idle", { interval_seconds: 60, max_interval_seconds: 30 })).toThrow(/max_interval_seconds must be a whole number from interval_seconds \(60\)/);
    expect(() => nextInterval(60, "idle", { interval_seconds: 10.5, max_interval_seconds: 60 })).toThrow(RangeError);
  });
});
