import { observeRun } from "../../src/observability/run-observation";
import type { Effect } from "./effects";
import type { RunRow } from "./run-record";
import type { RunEvent } from "./run-types";
import type { SpanStore } from "./span-store";
import type { TaskRow } from "./task-store";

// What the run engine hands observability: the span of the event that started a run, and, when a live run
// ends, its contribution to the workflow's graph and bottlenecks and its trace's export (outbox effects).

/** The event that started the run is a span of its own (a child of the run's): the tasks it gives agents link to it. */
export function openEventSpan(spans: SpanStore, event: RunEvent, runSpanId: string, spanId: string, now: number): void {
  spans.open({
    span_id: spanId,
    parent_span_id: runSpanId,
    kind: "event",
    name: `event ${event.type}`,
    agent_id: null,
    version: null,
    started_at: now,
    ended_at: now,
    attributes: { event_id: event.event_id, type: event.type, source: event.source, time: event.time },
    links: [],
  });
}

/** The effects of a finished live run: its observation (D1 rows, replaced whole) and its trace's export. */
export function observationEffects(run: RunRow, tasks: TaskRow[], spans: SpanStore, now: number): Effect[] {
  const observed = { ...run, ended_at: run.ended_at ?? now, event_type: run.event?.type ?? null };
  return [
    { type: "observe_run", observation: observeRun(observed, tasks, spans.all()) },
    { type: "export_trace", run_id: run.run_id },
  ];
}
