import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { callerOf, settle } from "../runs/answers";
import { runObject } from "../runs/run-object";
import { PutRunStateSchema, RunIdPathSchema, RunStateEntrySchema, RunStateHistorySchema, RunStateSchema, StateAtQuerySchema, StateKeyPathSchema } from "../runs/schemas";

const tags = ["Shared state"];

/** The run, once the caller may act on its workflow; the run then applies the pattern's declarations. */
async function runFor(c: Context<AppEnv>, runId: string, action: "workflow:read" | "workflow:run") {
  const run = runObject(c.env, runId);
  const view = await run.view();
  if (!view) throw notFound("Run", runId);
  await authorize(c, action, { type: "workflow", id: view.workflow });
  return run;
}

const declarations =
  "An agent writes only its declared `writes` and reads only its `reads` and `writes` (403 and a recorded denial otherwise); admins and readers read everything.";

export const runStateRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}/state",
      tags,
      summary: "The run's shared state (the state inspector: `?at=` for any moment)",
      description: `Each key with its value, version, writer and time. ${declarations}`,
      request: { params: RunIdPathSchema, query: StateAtQuerySchema },
      responses: { 200: jsonResponse(RunStateSchema, "The state."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const run = await runFor(c, c.req.valid("param").run_id, "workflow:read");
      const { at } = c.req.valid("query");
      return c.json(await settle(c, await run.stateAt(callerOf(c), at === undefined ? undefined : Date.parse(at))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}/state/{key}",
      tags,
      summary: "Read one shared-state key",
      description: declarations,
      request: { params: StateKeyPathSchema },
      responses: { 200: jsonResponse(RunStateEntrySchema, "The key."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { run_id, key } = c.req.valid("param");
      const run = await runFor(c, run_id, "workflow:read");
      return c.json(await settle(c, await run.getState(callerOf(c), key)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/runs/{run_id}/state/{key}",
      tags,
      summary: "Write one shared-state key, under its conflict policy",
      description:
        "`last-write-wins` applies every write; `first-write-wins` answers 409 to a key's second write; `version-check` needs `expected_version` " +
        "(0 for a new key) and answers 409 when it is stale; `append` adds the value to the key's array; `merge` deep-merges objects. " +
        `Agents waiting for this key start once all their keys are written. ${declarations}`,
      request: { params: StateKeyPathSchema, body: jsonBody(PutRunStateSchema) },
      responses: { 200: jsonResponse(RunStateEntrySchema, "The key as stored."), ...errorResponses("not_found", "conflict", "payload_too_large", "guard_rail") },
    }),
    async (c) => {
      const { run_id, key } = c.req.valid("param");
      const run = await runFor(c, run_id, "workflow:run");
      const { value, expected_version } = c.req.valid("json");
      return c.json(await settle(c, await run.putState(callerOf(c), key, value, expected_version)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{run_id}/state/{key}/history",
      tags,
      summary: "Every write of a key, oldest first",
      request: { params: StateKeyPathSchema },
      responses: { 200: jsonResponse(RunStateHistorySchema, "The writes."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { run_id, key } = c.req.valid("param");
      const run = await runFor(c, run_id, "workflow:read");
      return c.json({ items: await settle(c, await run.stateHistory(callerOf(c), key)) }, 200);
    },
  );
