import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { idempotentWithSecret } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { lifecycleClock } from "../lifecycle/clock";
import { rotateHook } from "../lifecycle/hook-rotation";
import { schedulePreview } from "../lifecycle/schedule-view";
import {
  RotateHookSchema,
  RotatedHookSchema,
  SchedulePreviewQuerySchema,
  SchedulePreviewSchema,
  TriggerListingSchema,
  TriggersQuerySchema,
} from "../lifecycle/schemas";
import { listTriggers } from "../lifecycle/trigger-listing";
import { WorkflowPathSchema } from "../workflows/schemas";
import { requireWorkflow } from "../workflows/workflow-store";

const tags = ["Lifecycle triggers"];

export const lifecycleTriggerRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}/triggers",
      tags,
      summary: "List a workflow's triggers with their state and recent decisions",
      description:
        "Every trigger of the current revision, in the order written: a schedule's next instant (UTC and local) and the last one it " +
        "handled, a poll's interval now in force, a hook's working keys, an event trigger's subscription; and each trigger's recent " +
        "decisions, newest first: fired (the run), skipped (why: the catch-up policy, a duplicate tick, an idle poll), deduplicated " +
        "(a retried hook call), failed (the error). Takes `workflow:read`.",
      request: { params: WorkflowPathSchema, query: TriggersQuerySchema },
      responses: { 200: jsonResponse(TriggerListingSchema, "The triggers, in definition order."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await authorize(c, "workflow:read", { type: "workflow", id: name });
      const db = database(c.env);
      const current = await requireWorkflow(db, name);
      return c.json(await listTriggers(db, current, c.req.valid("query").decisions), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}/schedule",
      tags,
      summary: "Preview the next instants of a workflow's schedules",
      description:
        "For each `schedule` trigger, the next `count` instants at or after `from` (default now), in UTC and in the schedule's zone " +
        "with its offset, and a note wherever daylight saving moved one: a local time that does not exist that day fires once, at the " +
        "first valid time after the gap; a local time that occurs twice fires once, at its first occurrence. Takes `workflow:read`.",
      request: { params: WorkflowPathSchema, query: SchedulePreviewQuerySchema },
      responses: { 200: jsonResponse(SchedulePreviewSchema, "The instants of each schedule."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { from, count } = c.req.valid("query");
      await authorize(c, "workflow:read", { type: "workflow", id: name });
      const current = await requireWorkflow(database(c.env), name);
      return c.json(schedulePreview(current, from === undefined ? new Date(lifecycleClock.now()) : new Date(from), count), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{name}/hooks/rotate",
      tags,
      summary: "Rotate an api_key hook's key",
      description:
        "Issues a new key for the hook at `path`, shown in this answer only (stored hashed); the keys that were current keep working " +
        "for an hour, then are refused with the time they stopped. Only the workflow's author (or an admin) rotates (`workflow:write`). " +
        "The key is never stored, not even for idempotent replays: a retry with the same Idempotency-Key issues no second key and " +
        "answers 409 (`details.reason: secret_not_replayed`) with the rest of the first answer; without the header, each call rotates.",
      middleware: [idempotentWithSecret("hook_keys")] as const,
      request: { params: WorkflowPathSchema, headers: IdempotencyHeaders, body: jsonBody(RotateHookSchema) },
      responses: { 201: jsonResponse(RotatedHookSchema, "The new key."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { path } = c.req.valid("json");
      const db = database(c.env);
      const current = await requireWorkflow(db, name);
      await authorize(c, "workflow:write", { type: "workflow", id: name, owner: current.workflow.createdBy });
      return c.json(await rotateHook(db, name, path, auditContext(c)), 201);
    },
  );
