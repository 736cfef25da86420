/**
 * Where lifecycle triggers read the time: the schedulers' objects, the safety-net sweep, hook
 * authentication and the decisions all ask this clock, never `Date.now()` directly, so a test sets the
 * time (a daylight-saving morning, an hour of downtime) and nothing sleeps.
 *
 * Alarms are the one place where the runtime's own clock matters: an alarm is set at the runtime's now
 * plus the delay measured on this clock. In production the two clocks are the same; in a test whose clock
 * reads March 2026, an alarm for "one minute from now" stays one minute in the runtime's future, and the
 * test fires it when it chooses (`runDurableObjectAlarm`) instead of the runtime firing it at once.
 */
export interface LifecycleClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

const systemClock: LifecycleClock = { now: () => Date.now() };
let current: LifecycleClock = systemClock;

export const lifecycleClock: LifecycleClock = { now: () => current.now() };

/** Tests only: read the time from `clock` (null restores the system clock). */
export function setLifecycleClock(clock: LifecycleClock | null): void {
  current = clock ?? systemClock;
}

/** The runtime time at which to set an alarm meant for `atMs` on the lifecycle clock. */
export function alarmTimeFor(atMs: number): number {
  return Date.now() + Math.max(0, atMs - lifecycleClock.now());
}

export const isoAt = (ms: number): string => new Date(ms).toISOString();
