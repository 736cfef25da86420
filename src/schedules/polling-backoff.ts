/**
 * The interval of a `{type: polling}` trigger: a condition that starts a run (non-zero, non-null first
 * column) resets it to `interval_seconds`; an idle one (0 or null, or no row) or a failing one doubles
 * it, up to `max_interval_seconds`, so a quiet source is polled less and less.
 *
 * The wait actually used adds jitter that only ever delays: many triggers created together (the same
 * workflow deployed for many tenants) drift apart instead of querying D1 in the same second, and none
 * polls sooner than its nominal interval. The jitter is at most JITTER_FRACTION of the interval, so at
 * the cap a wait is at most 1.1 × `max_interval_seconds`.
 */

/** The contract's floor: a condition is SQL against D1, and polling faster than this is a load, not a trigger. */
export const MIN_INTERVAL_SECONDS = 10;
/** The longest interval or maximum a trigger may ask for: a week. */
export const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;
export const JITTER_FRACTION = 0.1;

export type PollOutcome = "started" | "idle" | "failed";

export interface PollingInterval {
  interval_seconds: number;
  max_interval_seconds: number;
}

export interface NextPoll {
  /** The nominal interval now in force: pass it back as `current` after the next poll. */
  interval_seconds: number;
  /** How long to wait before the next poll: the interval plus jitter, in whole milliseconds. */
  delay_ms: number;
}

/**
 * The next interval after a poll whose outcome is `outcome`, `current` being the nominal interval that
 * led to it. `random` returns a number in [0, 1), as Math.random does; tests pass their own.
 */
export function nextInterval(current: number, outcome: PollOutcome, config: PollingInterval, random: () => number = Math.random): NextPoll {
  const { interval_seconds: base, max_interval_seconds: max } = config;
  if (!(Number.isInteger(base) && base >= MIN_INTERVAL_SECONDS && base <= MAX_INTERVAL_SECONDS)) {
    throw new RangeError(`interval_seconds must be a whole number from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS}, not ${base}`);
  }
  if (!(Number.isInteger(max) && max >= base && max <= MAX_INTERVAL_SECONDS)) {
    throw new RangeError(`max_interval_seconds must be a whole number from interval_seconds (${base}) to ${MAX_INTERVAL_SECONDS}, not ${max}`);
  }
  // A current value outside [base, max] (the trigger was edited since) is brought back into range.
  const from = Math.min(Math.max(Number.isFinite(current) ? current : base, base), max);
  const interval = outcome === "started" ? base : Math.min(from * 2, max);
  return { interval_seconds: interval, delay_ms: withJitter(interval * 1000, random) };
}

/** `nominalMs` plus up to JITTER_FRACTION of it, never less than `nominalMs`, even for a bad random source. */
export function withJitter(nominalMs: number, random: () => number): number {
  const r = random();
  const fraction = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.floor(nominalMs + nominalMs * JITTER_FRACTION * fraction);
}
