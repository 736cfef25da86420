import { createRoute } from "@hono/zod-openapi";
import { requireAgent } from "../agents/require-agent";
import { auditInsert } from "../audit/audit-log";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { guardWrite } from "../guard-rails/request-guard";
import { auditContext } from "../http/audit-context";
import { MAX_JSON_DEPTH } from "../http/json-depth";
import { ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { decodeCursor, page } from "../lib/cursor";
import { agentObject, deleteState, readState, writeState } from "../state/agent-state";
import {
  DeleteStateQuerySchema,
  DeletedStateSchema,
  PutStateSchema,
  StateAgentPathSchema,
  StateEntrySchema,
  StateKeyListSchema,
  StatePathSchema,
} from "../state/schemas";

const tags = ["Agent state"];
const stateResource = (agentId: string) => ({ type: "state", id: agentId, owner: agentId });

export const stateRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/state/{agent_id}/{key}",
      tags,
      summary: "Write a state value (compare-and-set with expected_version)",
      description:
        "Only the agent itself (or an admin) writes its state. `version` starts at 1 and grows by one per write. " +
        "`value` is any JSON up to 1 MiB, measured as the UTF-8 bytes of its JSON text (413 `payload_too_large` above that); " +
        `like every request body, it may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep.`,
      request: { params: StatePathSchema, body: jsonBody(PutStateSchema) },
      responses: { 200: jsonResponse(StateEntrySchema, "The value as stored."), ...errorResponses("not_found", "conflict", "payload_too_large", "guard_rail") },
    }),
    async (c) => {
      const { agent_id, key } = c.req.valid("param");
      const { expected_version } = c.req.valid("json");
      // The value as parsed, not as zod rebuilt it: validation copies objects key by key, which drops
      // an own `__proto__` key, and a value is stored exactly as sent.
      const { value: sent } = (await c.req.json()) as { value: unknown };
      await authorize(c, "state:write", stateResource(agent_id));
      await requireAgent(c, agent_id);
      const [value] = await guardWrite(c, { action: "state:write", resource: `state:${agent_id}/${key}`, what: "The state value" }, [{ value: sent, at: "value" }]);
      const entry = await writeState(c.env, agent_id, key, value, expected_version, c.get("principal").agentId);
      await auditInsert(database(c.env), {
        ...auditContext(c),
        action: "state:write",
        resource: `state:${agent_id}/${key}`,
        status: "success",
        details: { version: entry.version },
      });
      return c.json(entry, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/state/{agent_id}/{key}",
      tags,
      summary: "Read a state value",
      description: "Any agent may read any agent's state (hand-offs), unless a policy says otherwise.",
      request: { params: StatePathSchema },
      responses: { 200: jsonResponse(StateEntrySchema, "The value."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id, key } = c.req.valid("param");
      // Read while authentication and authorisation run (http/auth.ts reads ahead for this route): the
      // value is only answered once the caller may see it, and a missing key's 404 comes after the 403.
      const entry = readState(c.env, agent_id, key);
      entry.catch(() => undefined); // awaited below; a refusal must not leave it unhandled
      await authorize(c, "state:read", stateResource(agent_id));
      return c.json(await entry, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/state/{agent_id}/{key}",
      tags,
      summary: "Delete a state value",
      request: { params: StatePathSchema, query: DeleteStateQuerySchema },
      responses: { 200: jsonResponse(DeletedStateSchema, "The key is unset."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { agent_id, key } = c.req.valid("param");
      await authorize(c, "state:write", stateResource(agent_id));
      await deleteState(c.env, agent_id, key, c.req.valid("query").expected_version);
      await auditInsert(database(c.env), { ...auditContext(c), action: "state:delete", resource: `state:${agent_id}/${key}`, status: "success" });
      return c.json({ agent_id, key, deleted: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/state/{agent_id}",
      tags,
      summary: "List an agent's state keys",
      request: { params: StateAgentPathSchema, query: ListQuery },
      responses: { 200: jsonResponse(StateKeyListSchema, "A page of keys, in key order."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await authorize(c, "state:read", stateResource(agent_id));
      await requireAgent(c, agent_id);
      const rows = await agentObject(c.env, agent_id).listState(decodeCursor(cursor), limit + 1);
      return c.json(page(rows, limit, (r) => r.key), 200);
    },
  );
