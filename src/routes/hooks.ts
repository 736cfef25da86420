import { z } from "@hono/zod-openapi";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { database } from "../db/client";
import type { AppEnv } from "../http/context";
import { errorResponses, jsonResponse } from "../http/openapi";
import { HOOKS_PREFIX, normaliseHookPath } from "../schedules/webhook-path";
import { HOOK_MAX_BODY_BYTES, callHook, refuseHook } from "../lifecycle/hook-call";
import { hookAt } from "../lifecycle/registry";
import { HookAcceptedSchema } from "../lifecycle/schemas";

/** The hook path of a request: `/hooks/a/b` → `/hooks/a/b`, or null when the URL names no valid hook. */
function hookPathOf(urlPath: string): string | null {
  const result = normaliseHookPath(urlPath.slice(HOOKS_PREFIX.length));
  return result.ok && result.path === urlPath.replace(/\/+$/, "") ? result.path : null;
}

/**
 * `POST /hooks/{path}`: webhook triggers, outside `/v1` and its `authenticate` middleware (the hook's own
 * auth decides), with their own body limit. Every refusal is audited and starts nothing.
 */
export function mountHooks(app: OpenAPIHono<AppEnv>): void {
  app.use(
    "/hooks/*",
    bodyLimit({
      maxSize: HOOK_MAX_BODY_BYTES,
      onError: async (c) => {
        const path = hookPathOf(c.req.path) ?? c.req.path;
        const db = database(c.env);
        const hook = await hookAt(db, path);
        throw await refuseHook(db, { path, requestId: c.get("requestId") }, hook?.record, "payload_too_large", `the body is over ${HOOK_MAX_BODY_BYTES} bytes, the limit of a hook`);
      },
    }),
  );
  app.post("/hooks/*", async (c) => {
    const path = hookPathOf(c.req.path);
    const call = { path: path ?? c.req.path, headers: c.req.raw.headers, body: await c.req.text(), requestId: c.get("requestId") };
    if (path === null) throw await refuseHook(database(c.env), call, undefined, "not_found", `no hook listens at ${c.req.path}`);
    const answer = await callHook(c.env, call);
    if (answer.replayed) c.header("idempotent-replayed", "true");
    return c.json({ run_id: answer.run_id }, 202);
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/hooks/{path}",
    tags: ["Lifecycle triggers"],
    summary: "Call a webhook trigger: start a run of its workflow",
    description:
      "The JSON body (or none) is the run's input; the run's `trigger` is `{type: \"webhook\", path}`. Authenticated by the hook's own " +
      "`auth`, not by a Switchyard key: `{type: api_key, header}` takes the hook's key in that header; `{type: jwt, …}` takes " +
      "`Authorization: Bearer <JWT>` (signature, `exp`, `nbf`, issuer and audience checked; `alg: none` never). Fails closed: an " +
      "unknown path is 404, a refused caller 401 with the reason (503 when the hook cannot check anyone: its secret unset, its key " +
      `set unreachable), a body over ${HOOK_MAX_BODY_BYTES / 1024} KiB 413, each audited and starting nothing. \`Idempotency-Key\` ` +
      "is honoured: a retry answers the same run (`Idempotent-Replayed: true`).",
    security: [],
    request: {
      params: z.object({ path: z.string().openapi({ description: "The hook's path under /hooks/ (may have several segments).", example: "revenue-report" }) }),
      headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
      body: { required: false, content: { "application/json": { schema: z.unknown().openapi({ description: "Any JSON: the run's input." }) } } },
    },
    responses: { 202: jsonResponse(HookAcceptedSchema, "The run started."), ...errorResponses("not_found", "conflict", "payload_too_large", "unavailable") },
  });
}
