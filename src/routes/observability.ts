import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { notFound } from "../http/errors";
import { errorResponses, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { bottlenecks, P50, P95 } from "../observability/bottlenecks";
import { agentTotals, durationNeighbours, edgeTotals, observedVersions, runTotals } from "../observability/observation-store";
import { toOtlp } from "../observability/otlp";
import { BottlenecksSchema, GraphSchema, OtlpTraceSchema, TraceQuerySchema, TraceSchema, WindowQuerySchema } from "../observability/schemas";
import { traceView } from "../observability/trace";
import { workflowGraph } from "../observability/workflow-graph";
import { runObject } from "../runs/run-object";
import { RunIdPathSchema, WorkflowNamePathSchema } from "../runs/schemas";
import { definitionOf, requireWorkflow } from "../workflows/workflow-store";

const tags = ["Observability"];
const DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** The window's start as the registry writes times (ISO, UTC, milliseconds), so text comparison is time order. */
const windowStart = (since: string | undefined) => new Date(since === undefined ? Date.now() - DEFAULT_WINDOW_MS : Date.parse(since)).toISOString();

export const observabilityRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}/trace",
      tags,
      summary: "A run's coordination trace (`?format=otlp` for OpenTelemetry)",
      description:
        "Every span the run recorded as it went: the run, its trigger, each task attempt, message, delegation, state read and write, " +
        "and the synthesis, with parents and `links` naming the spans each depended on (the message or state write that fed a task, " +
        "the workers a synthesis joined, the attempt a retry replaced). `?format=otlp` answers the same trace as OTLP/HTTP JSON with " +
        "the GenAI semantic conventions (`invoke_workflow`, `invoke_agent`, `gen_ai.agent.name`, `gen_ai.agent.version`, " +
        "`gen_ai.usage.*`), ready for any collector. Needs `workflow:read` on the run's workflow.",
      request: { params: RunIdPathSchema, query: TraceQuerySchema },
      responses: { 200: jsonResponse(TraceSchema.or(OtlpTraceSchema), "The trace."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { run_id } = c.req.valid("param");
      const trace = await runObject(c.env, run_id).runTrace();
      if (!trace) throw notFound("Run", run_id);
      await authorize(c, "workflow:read", { type: "workflow", id: trace.workflow });
      return c.json(c.req.valid("query").format === "otlp" ? toOtlp(trace, Date.now()) : traceView(trace), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}/graph",
      tags,
      summary: "The workflow's agent dependency graph: declared and observed edges",
      description:
        "Declared edges come from the current definition: message-passing's flow, shared state's writer → reader per key, the " +
        "supervisor → each worker, an event type (`event:<type>`) → each agent it starts. Observed edges, with counts, come from " +
        "the runs that ended in the window: messages sent, delegations (every worker task a supervisor's run handed out), event " +
        "deliveries, and state lineage (B read a key A wrote, by a reader task started by the write or an explicit read). Each run " +
        "adds its counts once, when it ends; reading adds them up.",
      request: { params: WorkflowNamePathSchema, query: WindowQuerySchema },
      responses: { 200: jsonResponse(GraphSchema, "The graph."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await authorize(c, "workflow:read", { type: "workflow", id: name });
      const current = await requireWorkflow(database(c.env), name);
      const since = windowStart(c.req.valid("query").since);
      const [edges, versions, totals] = await Promise.all([edgeTotals(c.env.DB, name, since), observedVersions(c.env.DB, name, since), runTotals(c.env.DB, name, since)]);
      const graph = workflowGraph(definitionOf(current.revision), edges, versions);
      return c.json({ workflow: name, revision: current.revision.revision, since, runs: totals.runs, ...graph }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}/bottlenecks",
      tags,
      summary: "Which agents slow the workflow down: durations, retries, timeouts and the critical path",
      description:
        "Per agent, over the runs that ended in the window, worst first: tasks, p50 and p95 task duration (creation to end, over " +
        "tasks that ended by themselves), retries, timeouts, failures, and the time its tasks spent on each run's critical path. " +
        "A run's critical path is the longest chain of recorded dependencies through its tasks (each weighing its duration), " +
        "computed once when the run ends; `critical_path_share` is the agent's part of the sum of the runs' critical paths.",
      request: { params: WorkflowNamePathSchema, query: WindowQuerySchema },
      responses: { 200: jsonResponse(BottlenecksSchema, "The agents, worst first."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await authorize(c, "workflow:read", { type: "workflow", id: name });
      await requireWorkflow(database(c.env), name);
      const since = windowStart(c.req.valid("query").since);
      const [totals, neighbours, runs] = await Promise.all([
        agentTotals(c.env.DB, name, since),
        durationNeighbours(c.env.DB, name, since, [P50, P95]),
        runTotals(c.env.DB, name, since),
      ]);
      return c.json({ workflow: name, since, runs: runs.runs, critical_path_ms: runs.critical_path_ms, agents: bottlenecks(totals, neighbours, runs.critical_path_ms) }, 200);
    },
  );
