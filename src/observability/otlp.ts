import type { SpanKind, SpanRow } from "../../durable-objects/workflow-run/span-store";
import type { Json } from "../workflows/definition/types";
import { otelSpanIdOf, traceIdOf } from "./otel-ids";
import type { RunTrace } from "./trace";

// A run's trace as an OTLP/HTTP JSON `ExportTraceServiceRequest`, the body any OpenTelemetry collector
// (Langfuse, LangSmith, Jaeger, the Collector itself) accepts at `/v1/traces`. The JSON mapping of OTLP:
// lowerCamelCase fields, hex ids, enums as integers, 64-bit integers (times, token counts) as decimal
// strings. Run and task spans follow the GenAI semantic conventions (`invoke_workflow`, `invoke_agent`).

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  links: { traceId: string; spanId: string; attributes: OtlpKeyValue[] }[];
  status: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

/** `SpanKind` of opentelemetry-proto's trace.proto. */
export const OTLP_SPAN_KIND = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
/** `Status.StatusCode` of trace.proto. */
export const OTLP_STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export const SCOPE = { name: "switchyard", version: "1.0.0" };

// A task is Switchyard calling out to an agent that runs elsewhere (a client call in OTel's terms); a
// message or a delegation hands work on (a producer); an event arriving is consumed; the rest is internal.
const KIND_OF: Record<SpanKind, number> = {
  run: OTLP_SPAN_KIND.INTERNAL,
  task: OTLP_SPAN_KIND.CLIENT,
  synthesis: OTLP_SPAN_KIND.CLIENT,
  message: OTLP_SPAN_KIND.PRODUCER,
  delegation: OTLP_SPAN_KIND.PRODUCER,
  event: OTLP_SPAN_KIND.CONSUMER,
  state_read: OTLP_SPAN_KIND.INTERNAL,
  state_write: OTLP_SPAN_KIND.INTERNAL,
  trigger: OTLP_SPAN_KIND.INTERNAL,
};

const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** A JSON value as an OTLP AnyValue; null has no AnyValue and is left out by the caller. */
export function anyValue(value: Json): OtlpAnyValue | null {
  if (value === null) return null;
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue).filter((v): v is OtlpAnyValue => v !== null) } };
  return { kvlistValue: { values: attributes(value) } };
}

function attributes(values: Record<string, Json>): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const [key, v] of Object.entries(values)) {
    const value = anyValue(v);
    if (value !== null) out.push({ key, value });
  }
  return out;
}

/** Our attributes under `switchyard.`, except those already named by a convention (`gen_ai.*`). */
const ours = (values: Record<string, Json>): Record<string, Json> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k.startsWith("gen_ai.") ? k : `switchyard.${k}`, v]));

function conventionAttributes(span: SpanRow, trace: RunTrace): Record<string, Json> {
  if (span.kind === "run")
    return {
      "gen_ai.operation.name": "invoke_workflow",
      // v1.41 of the conventions names the workflow `gen_ai.workflow.name`; the later GenAI repository moved it
      // to `gen_ai.agent.name`. Both are set so either reading finds it.
      "gen_ai.workflow.name": trace.workflow,
      "gen_ai.agent.name": trace.workflow,
      "gen_ai.conversation.id": trace.run_id,
    };
  if (span.kind === "task" || span.kind === "synthesis")
    return {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": span.agent_id,
      "gen_ai.agent.version": span.version,
      "gen_ai.conversation.id": trace.run_id,
    };
  return {};
}

function status(span: SpanRow): OtlpSpan["status"] {
  if (span.status === "ok") return { code: OTLP_STATUS.OK };
  if (span.status === "failed" || span.status === "timed_out") return { code: OTLP_STATUS.ERROR, message: span.status };
  // Running, or cancelled (the run ended first): neither a success nor an error of the span itself.
  return { code: OTLP_STATUS.UNSET };
}

/**
 * The OTLP document of a trace. A span still open (a run read while it runs) ends at `nowMs` and carries
 * `switchyard.open: true`, since OTLP has no open spans.
 */
export function toOtlp(trace: RunTrace, nowMs: number): OtlpTraceRequest {
  const traceId = traceIdOf(trace.run_id);
  const spans = trace.spans.map((span): OtlpSpan => {
    const error: Record<string, Json> = span.status === "failed" || span.status === "timed_out" ? { "error.type": span.status } : {};
    const values: Record<string, Json> = {
      ...conventionAttributes(span, trace),
      ...ours(span.attributes),
      ...error,
      "switchyard.span_id": span.span_id,
      "switchyard.span.kind": span.kind,
      "switchyard.run_id": trace.run_id,
      "switchyard.workflow": trace.workflow,
      "switchyard.status": span.status,
      "switchyard.agent_id": span.agent_id,
      "switchyard.version": span.version,
    };
    if (span.ended_at === null) values["switchyard.open"] = true;
    return {
      traceId,
      spanId: otelSpanIdOf(span.span_id),
      ...(span.parent_span_id === null ? {} : { parentSpanId: otelSpanIdOf(span.parent_span_id) }),
      name: span.name,
      kind: KIND_OF[span.kind] ?? OTLP_SPAN_KIND.INTERNAL,
      startTimeUnixNano: nanos(span.started_at),
      endTimeUnixNano: nanos(Math.max(span.ended_at ?? nowMs, span.started_at)),
      attributes: attributes(values),
      links: span.links.map((link) => ({
        traceId,
        spanId: otelSpanIdOf(link.span_id),
        attributes: attributes({ "switchyard.link.kind": link.kind, "switchyard.span_id": link.span_id }),
      })),
      status: status(span),
    };
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ "service.name": "switchyard", "service.namespace": "switchyard", "switchyard.workflow": trace.workflow }) },
        scopeSpans: [{ scope: SCOPE, spans }],
      },
    ],
  };
}
