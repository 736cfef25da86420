import type { Json } from "../../src/workflows/definition/types";
import type { PublishPlatformEvent } from "./effects";
import type { RunRow } from "./run-record";

// What the run engine takes from outside (its clock, its storage) and the shape of what it sends out as
// platform events: kept apart from the state machine in engine.ts.

/** Where the engine reads the time: the wall clock for real runs, a virtual one for dry runs. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The storage the engine runs on: a Durable Object's SQLite, and its synchronous transactions. */
export interface EngineStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
}

/** A run's output travels with `run.succeeded` up to this size (JSON text); a larger one is read from the run. */
const MAX_EVENT_OUTPUT_CHARS = 16 * 1024;

export const boundedOutput = (output: Json | null): Record<string, Json> =>
  output === null || JSON.stringify(output).length <= MAX_EVENT_OUTPUT_CHARS ? { output } : { output: null, output_omitted: true };

/**
 * The effect publishing a live run's platform event, or null for a dry run (which publishes nothing). One
 * step deeper than the event that started the run, and naming the run, so that the loop guard can bound
 * runs that start each other.
 */
export function runPlatformEvent(run: RunRow, type: PublishPlatformEvent["event_type"], data: Record<string, Json>, about?: string): PublishPlatformEvent | null {
  if (run.mode !== "live") return null;
  return {
    type: "publish_event",
    event_type: type,
    key: `${type}:${about ?? run.run_id}`,
    data,
    depth: (run.event?.depth ?? 0) + 1,
    caused_by: { run_id: run.run_id, workflow: run.workflow, started_by_platform_event: run.event?.source === "switchyard" },
  };
}
