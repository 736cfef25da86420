import type { SpanKind, SpanLink, SpanRow } from "../../durable-objects/workflow-run/span-store";
import type { Json } from "../workflows/definition/types";
import { traceIdOf } from "./otel-ids";

/** A run's trace as its object keeps it: the spans with times in epoch milliseconds. */
export interface RunTrace {
  run_id: string;
  workflow: string;
  spans: SpanRow[];
}

/** One span as `GET /v1/runs/{run_id}/trace` shows it. */
export interface TraceSpanView {
  span_id: string;
  parent_span_id: string | null;
  kind: SpanKind;
  name: string;
  agent_id: string | null;
  version: string | null;
  started_at: string;
  ended_at: string | null;
  status: string;
  attributes: Record<string, Json>;
  links: SpanLink[];
}

export interface TraceView {
  run_id: string;
  trace_id: string;
  spans: TraceSpanView[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The contract's trace: ISO times, and the trace id the OTLP export uses, so both views can be matched. */
export function traceView(trace: RunTrace): TraceView {
  return {
    run_id: trace.run_id,
    trace_id: traceIdOf(trace.run_id),
    spans: trace.spans.map((s) => ({
      span_id: s.span_id,
      parent_span_id: s.parent_span_id,
      kind: s.kind,
      name: s.name,
      agent_id: s.agent_id,
      version: s.version,
      started_at: iso(s.started_at),
      ended_at: s.ended_at === null ? null : iso(s.ended_at),
      status: s.status,
      attributes: s.attributes,
      links: s.links,
    })),
  };
}
