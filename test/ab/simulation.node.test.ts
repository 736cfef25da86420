import { describe, expect, it } from "vitest";
import type { ArmAggregate } from "../../src/ab/arm-aggregate";
import { type RecommendInput, recommend } from "../../src/ab/recommend";
import { BASELINE, emptyArm, seededRandom, simulateTask, type VersionBehaviour } from "./simulate";

// Simulated A/B tests of agent versions, read the way people read dashboards: after every 50 tasks per
// arm. Seeded, so every run sees the same tasks; the thresholds are the methods' guarantees, not
// numbers fitted to this seed.

const PEEK_EVERY = 50; // tasks per arm (on average: runs are assigned by a fair coin, as a hash would)
const MAX_PER_ARM = 1000;

interface Trace {
  /** Per-arm sample size at the first peek where `flagged` held, or null. */
  firstFlag: Record<string, number | null>;
}

/**
 * Runs one test to MAX_PER_ARM tasks per arm, peeking every PEEK_EVERY, and records for each reader
 * the first peek at which it flagged the test.
 */
function runTest(
  random: () => number,
  behaviours: { a: VersionBehaviour; b: VersionBehaviour },
  readers: Record<string, (arms: { a: ArmAggregate; b: ArmAggregate }) => boolean>,
): Trace {
  let a = emptyArm();
  let b = emptyArm();
  const firstFlag: Trace["firstFlag"] = Object.fromEntries(Object.keys(readers).map((k) => [k, null]));
  for (let run = 1; run <= 2 * MAX_PER_ARM; run++) {
    if (random() < 0.5) a = simulateTask(a, behaviours.a, random);
    else b = simulateTask(b, behaviours.b, random);
    if (run % (2 * PEEK_EVERY) !== 0) continue;
    for (const [name, flags] of Object.entries(readers)) {
      if (firstFlag[name] === null && flags({ a, b })) firstFlag[name] = run / 2;
    }
  }
  return { firstFlag };
}

const read = (arms: { a: ArmAggregate; b: ArmAggregate }, extra: Partial<RecommendInput>) => recommend({ arms, traffic_split: { a: 50, b: 50 }, ...extra });

describe("simulation: peeking at A/A tests", () => {
  it("keeps the false-positive rate within 5% when sequential, while the fixed-horizon test peeked the same way exceeds it", () => {
    const random = seededRandom(15);
    const tests = 200;
    const readers = {
      // One metric, the success rate: the methods themselves, without any correction.
      sequentialRate: (arms: { a: ArmAggregate; b: ArmAggregate }) => read(arms, { metrics: ["success_rate"] }).metrics.success_rate?.significant === true,
      fixedRate: (arms: { a: ArmAggregate; b: ArmAggregate }) =>
        read(arms, { metrics: ["success_rate"], sequential: false }).metrics.success_rate?.significant === true,
      // All four metrics with Holm: any verdict other than inconclusive is a false positive.
      sequentialVerdict: (arms: { a: ArmAggregate; b: ArmAggregate }) => read(arms, {}).recommendation !== "inconclusive",
      fixedVerdict: (arms: { a: ArmAggregate; b: ArmAggregate }) => read(arms, { sequential: false }).recommendation !== "inconclusive",
      rollBack: (arms: { a: ArmAggregate; b: ArmAggregate }) => read(arms, {}).roll_back,
    };
    const flagged: Record<keyof typeof readers, number> = { sequentialRate: 0, fixedRate: 0, sequentialVerdict: 0, fixedVerdict: 0, rollBack: 0 };
    for (let t = 0; t < tests; t++) {
      const trace = runTest(random, { a: BASELINE, b: BASELINE }, readers);
      for (const name of Object.keys(flagged) as (keyof typeof readers)[]) if (trace.firstFlag[name] !== null) flagged[name]++;
    }
    const rate = (name: keyof typeof readers) => flagged[name] / tests;

    expect(rate("sequentialRate")).toBeLessThanOrEqual(0.05);
    expect(rate("sequentialVerdict")).toBeLessThanOrEqual(0.05);
    expect(rate("rollBack")).toBeLessThanOrEqual(0.05);
    // Nineteen looks at a fixed-horizon 5% test: the classic peeking inflation.
    expect(rate("fixedRate")).toBeGreaterThan(0.1);
    expect(rate("fixedVerdict")).toBeGreaterThan(0.1);
    expect(rate("fixedRate")).toBeGreaterThan(rate("sequentialRate"));
  });
});

describe("simulation: a real regression", () => {
  it("detects a 10-point success-rate drop and would roll back, peeking every 50 tasks per arm", () => {
    const random = seededRandom(1015);
    const tests = 100;
    const worse: VersionBehaviour = { ...BASELINE, successRate: BASELINE.successRate - 0.1 };
    const detectedAt: number[] = [];
    let keptA = 0;
    for (let t = 0; t < tests; t++) {
      const trace = runTest(random, { a: BASELINE, b: worse }, {
        rollBack: (arms) => read(arms, {}).roll_back,
        keepA: (arms) => read(arms, {}).recommendation === "keep_a",
      });
      if (trace.firstFlag.rollBack !== null && trace.firstFlag.rollBack !== undefined) detectedAt.push(trace.firstFlag.rollBack);
      if (trace.firstFlag.keepA !== null) keptA++;
    }
    expect(detectedAt.length / tests).toBeGreaterThanOrEqual(0.95);
    expect(keptA / tests).toBeGreaterThanOrEqual(0.95);
    // Typically within a few hundred tasks per arm (N* = 1000 in total).
    const median = [...detectedAt].sort((x, y) => x - y)[Math.floor(detectedAt.length / 2)] ?? Number.POSITIVE_INFINITY;
    expect(median).toBeLessThanOrEqual(500);
  });
});
