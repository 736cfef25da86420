import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { startDryRun } from "../dry-runs/start-dry-run";
import { DryRunIdPathSchema, DryRunRequestSchema, DryRunSchema } from "../dry-runs/schemas";
import { notFound } from "../http/errors";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { runObject } from "../runs/run-object";

const tags = ["Dry runs"];

export const dryRunRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/dry-runs",
      tags,
      summary: "Test a coordination end to end without its agents",
      description:
        "Runs the real engine on a virtual clock (a 300 s timeout costs no wall time) with scripted agents, for a saved `workflow` or an unsaved " +
        "`definition` (YAML text or JSON, checked exactly as a PUT: the same 400 details). Nothing reaches an inbox, an endpoint, memory, agent " +
        "state, events, A/B assignment or the audit log of real runs. `findings` say what would go wrong, with the agent, key, edge, schema or " +
        "filter involved. Kept 24 h (`GET /v1/dry-runs/{id}`), readable by its caller and admins.",
      request: { body: jsonBody(DryRunRequestSchema) },
      responses: { 200: jsonResponse(DryRunSchema, "The finished dry run."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const request = c.req.valid("json");
      await authorize(c, "workflow:run", { type: "workflow", id: request.workflow ?? "(unsaved)" });
      return c.json(await startDryRun(c.env, request, c.get("principal").agentId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/dry-runs/{dry_run_id}",
      tags,
      summary: "Read a dry run (its caller and admins, for 24 h)",
      request: { params: DryRunIdPathSchema },
      responses: { 200: jsonResponse(DryRunSchema, "The dry run."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { dry_run_id } = c.req.valid("param");
      const view = await runObject(c.env, dry_run_id).dryRunView();
      const principal = c.get("principal");
      // Someone else's dry run is not there for this caller: 404, as if it did not exist.
      if (!view || (view.created_by !== principal.agentId && principal.role !== "admin")) throw notFound("Dry run", dry_run_id);
      return c.json(view, 200);
    },
  );
