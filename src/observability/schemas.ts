import { z } from "@hono/zod-openapi";
import { JsonValueSchema, TimestampSchema } from "../http/openapi";

// Observability at the HTTP boundary (api-v1-coordination.md, "Observability").

const SPAN_KINDS = ["run", "task", "message", "event", "state_read", "state_write", "delegation", "synthesis", "trigger"] as const;
const EDGE_KINDS = ["message", "state", "delegation", "event"] as const;

export const TraceQuerySchema = z.object({
  format: z
    .enum(["json", "otlp"])
    .default("json")
    .openapi({ description: "`otlp`: the same trace as an OTLP/HTTP JSON `ExportTraceServiceRequest` (GenAI semantic conventions)." }),
});

export const WindowQuerySchema = z.object({
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "Runs that ended at or after this moment (default: the last 7 days)." }),
});

const SpanLinkSchema = z
  .object({ span_id: z.string(), kind: z.string().openapi({ description: "Why: `message`, `state`, `delegation`, `join`, `retry`, `sender`, `event`." }) })
  .openapi("SpanLink");

export const TraceSpanSchema = z
  .object({
    span_id: z.string(),
    parent_span_id: z.string().nullable(),
    kind: z.enum(SPAN_KINDS),
    name: z.string(),
    agent_id: z.string().nullable(),
    version: z.string().nullable(),
    started_at: TimestampSchema,
    ended_at: TimestampSchema.nullable(),
    status: z.string().openapi({ description: "`running`, `ok`, `failed`, `timed_out`, `cancelled` (the run's span: its end status)." }),
    attributes: z.record(z.string(), JsonValueSchema),
    links: z.array(SpanLinkSchema).openapi({ description: "The spans this one depended on." }),
  })
  .openapi("TraceSpan");

export const TraceSchema = z
  .object({
    run_id: z.string(),
    trace_id: z.string().openapi({ description: "The OTLP trace id (32 hex digits) the export uses for this run." }),
    spans: z.array(TraceSpanSchema),
  })
  .openapi("Trace");

const OtlpKeyValueSchema = z.object({ key: z.string(), value: z.record(z.string(), z.unknown()) });

export const OtlpTraceSchema = z
  .object({
    resourceSpans: z.array(
      z.object({
        resource: z.object({ attributes: z.array(OtlpKeyValueSchema) }),
        scopeSpans: z.array(
          z.object({
            scope: z.object({ name: z.string(), version: z.string() }),
            spans: z.array(
              z.object({
                traceId: z.string(),
                spanId: z.string(),
                parentSpanId: z.string().optional(),
                name: z.string(),
                kind: z.number().int(),
                startTimeUnixNano: z.string(),
                endTimeUnixNano: z.string(),
                attributes: z.array(OtlpKeyValueSchema),
                links: z.array(z.object({ traceId: z.string(), spanId: z.string(), attributes: z.array(OtlpKeyValueSchema) })),
                status: z.object({ code: z.number().int(), message: z.string().optional() }),
              }),
            ),
          }),
        ),
      }),
    ),
  })
  .openapi("OtlpTrace", { description: "OTLP/HTTP JSON (opentelemetry-proto's ExportTraceServiceRequest): POST it to any collector's /v1/traces." });

export const GraphSchema = z
  .object({
    workflow: z.string(),
    revision: z.number().int().openapi({ description: "The revision whose declared edges are shown (the current one)." }),
    since: TimestampSchema,
    runs: z.number().int().openapi({ description: "Finished runs in the window." }),
    nodes: z.array(z.object({ agent: z.string(), versions: z.array(z.string()).openapi({ description: "Versions its runs in the window used, highest first." }) })),
    edges: z.array(
      z.object({
        from: z.string().openapi({ description: "An agent, or `event:<type>` for the event-driven pattern." }),
        to: z.string(),
        kind: z.enum(EDGE_KINDS),
        declared: z.boolean(),
        observed_count: z.number().int(),
      }),
    ),
  })
  .openapi("WorkflowGraph");

export const BottlenecksSchema = z
  .object({
    workflow: z.string(),
    since: TimestampSchema,
    runs: z.number().int(),
    critical_path_ms: z.number().openapi({ description: "The sum of the window's runs' critical paths." }),
    agents: z.array(
      z.object({
        agent: z.string(),
        tasks: z.number().int().openapi({ description: "Every attempt counts." }),
        p50_ms: z.number().nullable().openapi({ description: "Median task duration, creation to end, over tasks that ended by themselves (R's quantile type 7)." }),
        p95_ms: z.number().nullable(),
        retries: z.number().int(),
        timeouts: z.number().int(),
        failures: z.number().int(),
        critical_path_ms: z.number().openapi({ description: "Time this agent's tasks spent on the runs' critical paths." }),
        critical_path_share: z.number().openapi({ description: "critical_path_ms ÷ the sum of the runs' critical paths (0..1)." }),
      }),
    ),
  })
  .openapi("WorkflowBottlenecks");
