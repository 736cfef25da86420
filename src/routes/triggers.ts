import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Resource } from "../authz/actions";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { principalOf } from "../http/auth";
import type { AppEnv } from "../http/context";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { embedderFor } from "../memory/embeddings";
import { namespaceResources } from "../memory/namespaces";
import {
  CreateTriggerSchema,
  DeletedTriggerSchema,
  TestResultSchema,
  TestTriggerSchema,
  TriggerListSchema,
  TriggerSchema,
  UpdateTriggerSchema,
  type TriggerActionInput,
} from "../triggers/schemas";
import { findTrigger, triggerJson } from "../triggers/trigger-rows";
import { type TriggerServices, createTrigger, deleteTrigger, listTriggers, testTrigger, updateTrigger } from "../triggers/trigger-store";

const tags = ["Semantic triggers"];
const TriggerPath = z.object({ trigger_id: z.string().min(1).max(64) });
const ACCESS =
  "Triggers are read and managed with `trigger:manage` (resource `trigger:<id>`; `trigger:*` to create and list): agents hold it by " +
  "default, readers do not (a policy may grant it). Only the agent that created a trigger (or an admin) changes or deletes it.";

const services = (c: Context<AppEnv>): TriggerServices => ({ db: database(c.env), embedder: embedderFor(c.env), env: c.env });
const anyTrigger: Resource = { type: "trigger", id: "*" };

/** Notifying an agent puts items in its inbox: the creator must be allowed to send there. */
async function authorizeAction(c: Context<AppEnv>, action: TriggerActionInput | undefined) {
  if (action?.type === "agent_notify") await authorize(c, "inbox:send", { type: "inbox", id: action.target_agent_id, owner: action.target_agent_id });
}

/**
 * A trigger listens only to namespaces its creator may read (else it would tell its creator each private
 * memory's id and similarity to a concept of its choosing): `memory:read` on every one, refusals recorded.
 */
async function authorizeNamespaces(c: Context<AppEnv>, namespaces: readonly string[] | null | undefined) {
  if (!namespaces?.length) return;
  for (const resource of await namespaceResources(database(c.env), await principalOf(c), [...new Set(namespaces)]))
    await authorize(c, "memory:read", resource);
}

/** The trigger, once the caller may change it: its creator's, or an admin's. */
async function ownedTrigger(c: Context<AppEnv>, triggerId: string) {
  const row = await findTrigger(database(c.env), triggerId);
  await authorize(c, "trigger:manage", { type: "trigger", id: triggerId, owner: row.createdBy });
  return row;
}

export const triggerRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/triggers",
      tags,
      summary: "Register a semantic trigger",
      description:
        "Every memory stored afterwards (in `namespaces`, default all) whose cosine similarity to `concept` is at least `threshold` fires the " +
        "action once, unless the trigger fired within `cooldown_seconds`. A trigger listens only to what its creator may read: each of " +
        "`namespaces` needs `memory:read` (403 otherwise, also on PATCH), and at firing time a memory fires it only if the creator may " +
        "still read its namespace (so a trigger without `namespaces` never fires for other agents' private ones). A webhook URL must be " +
        "http(s) to a public address. " +
        ACCESS,
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateTriggerSchema) },
      responses: { 201: jsonResponse(TriggerSchema, "The trigger; a webhook's secret is never shown."), ...errorResponses("unavailable") },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await authorize(c, "trigger:manage", anyTrigger);
      await authorizeNamespaces(c, input.namespaces);
      await authorizeAction(c, input.action);
      return c.json(await createTrigger(services(c), input, auditContext(c)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/triggers",
      tags,
      summary: "List triggers",
      description: ACCESS,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(TriggerListSchema, "A page of triggers, oldest first."), ...errorResponses() },
    }),
    async (c) => {
      await authorize(c, "trigger:manage", anyTrigger);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await listTriggers(database(c.env), limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/triggers/{trigger_id}",
      tags,
      summary: "Get a trigger",
      request: { params: TriggerPath },
      responses: { 200: jsonResponse(TriggerSchema, "The trigger."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { trigger_id } = c.req.valid("param");
      await authorize(c, "trigger:manage", { type: "trigger", id: trigger_id });
      return c.json(triggerJson(await findTrigger(database(c.env), trigger_id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/triggers/{trigger_id}",
      tags,
      summary: "Change a trigger (its creator or an admin)",
      description: "A new `concept` is embedded again; a new `action` replaces the old one (a webhook's `secret` must be sent with it).",
      request: { params: TriggerPath, body: jsonBody(UpdateTriggerSchema) },
      responses: { 200: jsonResponse(TriggerSchema, "The trigger as changed."), ...errorResponses("not_found", "unavailable") },
    }),
    async (c) => {
      const { trigger_id } = c.req.valid("param");
      const patch = c.req.valid("json");
      await ownedTrigger(c, trigger_id);
      await authorizeNamespaces(c, patch.namespaces);
      await authorizeAction(c, patch.action);
      return c.json(await updateTrigger(services(c), trigger_id, patch, auditContext(c)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/triggers/{trigger_id}",
      tags,
      summary: "Delete a trigger (its creator or an admin)",
      description: "It stops matching at once; notifications and deliveries already made stay.",
      request: { params: TriggerPath },
      responses: { 200: jsonResponse(DeletedTriggerSchema, "The trigger is gone."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { trigger_id } = c.req.valid("param");
      await ownedTrigger(c, trigger_id);
      await deleteTrigger(database(c.env), trigger_id, auditContext(c));
      return c.json({ trigger_id, deleted: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/triggers/{trigger_id}/test",
      tags,
      summary: "Score content against a trigger without storing anything",
      request: { params: TriggerPath, body: jsonBody(TestTriggerSchema) },
      responses: { 200: jsonResponse(TestResultSchema, "Whether a memory with this content would match."), ...errorResponses("not_found", "unavailable") },
    }),
    async (c) => {
      const { trigger_id } = c.req.valid("param");
      const { content } = c.req.valid("json");
      await authorize(c, "trigger:manage", { type: "trigger", id: trigger_id });
      return c.json(await testTrigger(services(c), trigger_id, content), 200);
    },
  );
