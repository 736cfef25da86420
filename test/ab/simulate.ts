import { type ArmAggregate, emptyArm, recordAssignment, recordFinishedTask, recordRating } from "../../src/ab/arm-aggregate";

/**
 * A small seeded PRNG for reproducible simulations: a 32-bit Weyl sequence passed through an
 * avalanche mix (multiply–xorshift rounds). Uniform in [0, 1), fully determined by the seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    x ^= x >>> 16;
    return (x >>> 0) / 4294967296;
  };
}

/** A standard normal variate by the Box–Muller transform. */
export function gaussian(random: () => number): number {
  const u = 1 - random(); // (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** How one agent version behaves, for simulated tasks. */
export interface VersionBehaviour {
  successRate: number;
  /** Durations are log-normal: right-skewed like real task times. */
  medianDurationMs: number;
  durationSpread: number;
  meanTokens: number;
  tokenSd: number;
  /** Share of tasks a user rates, and the share of ratings that are thumbs up. */
  ratedShare: number;
  upShare: number;
}

export const BASELINE: VersionBehaviour = {
  successRate: 0.9,
  medianDurationMs: 4000,
  durationSpread: 0.5,
  meanTokens: 1500,
  tokenSd: 400,
  ratedShare: 0.4,
  upShare: 0.7,
};

/** One run routed to an arm and finished there (assigned, finished, maybe rated). */
export function simulateTask(arm: ArmAggregate, behaviour: VersionBehaviour, random: () => number): ArmAggregate {
  let next = recordAssignment(arm);
  next = recordFinishedTask(next, {
    succeeded: random() < behaviour.successRate,
    duration_ms: behaviour.medianDurationMs * Math.exp(behaviour.durationSpread * gaussian(random)),
    tokens: Math.max(0, Math.round(behaviour.meanTokens + behaviour.tokenSd * gaussian(random))),
  });
  if (random() < behaviour.ratedShare) next = recordRating(next, random() < behaviour.upShare);
  return next;
}

export { emptyArm };
