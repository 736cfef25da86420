import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { callerOf, settle } from "../runs/answers";
import { listRuns } from "../runs/run-list";
import { runObject } from "../runs/run-object";
import {
  CancelRunSchema,
  DelegateSchema,
  ListRunsQuerySchema,
  RunIdPathSchema,
  RunListSchema,
  RunMessagesSchema,
  RunSchema,
  SendRunMessageSchema,
  StartRunSchema,
  TaskSchema,
  WorkflowNamePathSchema,
} from "../runs/schemas";
import { startRun } from "../runs/start-run";

const tags = ["Runs and tasks"];
const workflowResource = (name: string) => ({ type: "workflow", id: name });

/** The run, once the caller may act on its workflow (`action`); 404 for a run that does not exist. */
async function runFor(c: Context<AppEnv>, runId: string, action: "workflow:read" | "workflow:run") {
  const run = runObject(c.env, runId);
  const view = await run.view();
  if (!view) throw notFound("Run", runId);
  await authorize(c, action, workflowResource(view.workflow));
  return { run, view };
}

export const runRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{name}/runs",
      tags,
      summary: "Start a run of a workflow (manual start)",
      description:
        "Runs the workflow's current revision. Every agent reference is resolved now and pinned for the whole run (`agents`): " +
        "a version published or promoted later never moves under a running run. The agents that start the run have their tasks " +
        "in their inboxes when this answers.",
      middleware: [idempotent] as const,
      request: { params: WorkflowNamePathSchema, headers: IdempotencyHeaders, body: { ...jsonBody(StartRunSchema), required: false } },
      responses: { 201: jsonResponse(RunSchema, "The run, started."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await authorize(c, "workflow:run", workflowResource(name));
      const body = c.req.header("content-type") ? c.req.valid("json") : {};
      const run = await startRun(c.env, {
        workflow: name,
        input: body.input ?? null,
        trigger: { type: "manual" },
        startedBy: c.get("principal").agentId,
        requestId: c.get("requestId"),
        ...(c.get("principal").catalogVersion ? { catalogVersion: c.get("principal").catalogVersion } : {}),
      });
      return c.json(run, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs",
      tags,
      summary: "List runs, newest first",
      description: "Filter by `workflow` and `status`. Runs of workflows the caller may not read are left out.",
      request: { query: ListRunsQuerySchema },
      responses: { 200: jsonResponse(RunListSchema, "A page of runs.") },
    }),
    async (c) => c.json(await listRuns(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}",
      tags,
      summary: "Read a run with its tasks",
      request: { params: RunIdPathSchema },
      responses: { 200: jsonResponse(RunSchema, "The run."), ...errorResponses("not_found") },
    }),
    async (c) => c.json((await runFor(c, c.req.valid("param").run_id, "workflow:read")).view, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{run_id}/cancel",
      tags,
      summary: "Cancel a running run",
      description: "Its open tasks are cancelled and taken back from the inboxes; a completion that comes later is 409.",
      request: { params: RunIdPathSchema, body: { ...jsonBody(CancelRunSchema), required: false } },
      responses: { 200: jsonResponse(RunSchema, "The cancelled run."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { run } = await runFor(c, c.req.valid("param").run_id, "workflow:run");
      const reason = c.req.header("content-type") ? c.req.valid("json").reason : undefined;
      return c.json(await settle(c, await run.cancel(callerOf(c), reason)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}/messages",
      tags,
      summary: "The messages sent along the run's flow, in order",
      request: { params: RunIdPathSchema },
      responses: { 200: jsonResponse(RunMessagesSchema, "The messages."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { run } = await runFor(c, c.req.valid("param").run_id, "workflow:read");
      return c.json({ items: await run.messages() }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{run_id}/messages",
      tags,
      summary: "Send a message along the declared flow, as the calling agent",
      description:
        "Without `to`, along every outgoing edge of the caller with this schema. Each message becomes a task for its recipient. " +
        "A message off the declared flow is 403 (and a recorded denial); a body off its schema is 400.",
      request: { params: RunIdPathSchema, body: jsonBody(SendRunMessageSchema) },
      responses: { 201: jsonResponse(RunMessagesSchema, "The messages sent."), ...errorResponses("not_found", "conflict", "payload_too_large") },
    }),
    async (c) => {
      const { run } = await runFor(c, c.req.valid("param").run_id, "workflow:run");
      return c.json({ items: await settle(c, await run.sendMessage(callerOf(c), c.req.valid("json"))) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{run_id}/delegate",
      tags,
      summary: "Delegate work to a worker (the supervisor of a hierarchical run)",
      description: "Only while the run is open and before the join. A worker not in the run's list is 400; a caller other than the supervisor is 403.",
      request: { params: RunIdPathSchema, body: jsonBody(DelegateSchema) },
      responses: { 201: jsonResponse(TaskSchema, "The worker's new task."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { run } = await runFor(c, c.req.valid("param").run_id, "workflow:run");
      const { worker, input } = c.req.valid("json");
      return c.json(await settle(c, await run.delegate(callerOf(c), { worker, input: input ?? null })), 201);
    },
  );

