import { createRoute, z } from "@hono/zod-openapi";
import { agentExists, createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../agents/agents";
import { issueKey, listKeys, revokeKey } from "../agents/keys";
import {
  AgentListSchema,
  AgentSchema,
  CreateAgentSchema,
  DeletedAgentSchema,
  IssuedKeySchema,
  KeyListSchema,
  RevokedKeySchema,
  UpdateAgentSchema,
  WhoAmISchema,
} from "../agents/schemas";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { notFound } from "../http/errors";
import { idempotent, idempotentWithSecret } from "../http/idempotency";
import { AgentIdSchema, IdempotencyHeaders, ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { agentObject } from "../state/agent-state";

const tags = ["Agents and keys"];
const AgentPath = z.object({ agent_id: AgentIdSchema });
const KeyPath = z.object({ agent_id: AgentIdSchema, key_id: z.string().min(1).max(64) });
const admin = { type: "agent", id: "*" } as const;

export const agentRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/agents",
      tags,
      summary: "Register an agent (admin)",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateAgentSchema) },
      responses: { 201: jsonResponse(AgentSchema, "The agent."), ...errorResponses("conflict") },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const agent = await createAgent(database(c.env), c.req.valid("json"), auditContext(c));
      return c.json(agent, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/agents",
      tags,
      summary: "List agents (admin)",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(AgentListSchema, "A page of agents, by agent_id."), ...errorResponses() },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await listAgents(database(c.env), limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{agent_id}",
      tags,
      summary: "Get an agent (admin)",
      request: { params: AgentPath },
      responses: { 200: jsonResponse(AgentSchema, "The agent."), ...errorResponses("not_found") },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      return c.json(await getAgent(database(c.env), c.req.valid("param").agent_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}",
      tags,
      summary: "Change an agent's role, attributes or description (admin)",
      request: { params: AgentPath, body: jsonBody(UpdateAgentSchema) },
      responses: { 200: jsonResponse(AgentSchema, "The agent as changed."), ...errorResponses("not_found") },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const agent = await updateAgent(database(c.env), c.req.valid("param").agent_id, c.req.valid("json"), auditContext(c));
      return c.json(agent, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/agents/{agent_id}",
      tags,
      summary: "Delete an agent, its keys and its state (admin)",
      request: { params: AgentPath },
      responses: {
        200: jsonResponse(DeletedAgentSchema, "The agent is gone."),
        ...errorResponses("not_found"),
      },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const { agent_id } = c.req.valid("param");
      await deleteAgent(database(c.env), agent_id, auditContext(c));
      await agentObject(c.env, agent_id).erase();
      return c.json({ agent_id, deleted: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/keys",
      tags,
      summary: "Issue a key for an agent (admin); the key is shown only in this response",
      description:
        "The key is never stored, not even for idempotent replays: a retry with the same Idempotency-Key answers 409 " +
        "(`details.reason: secret_not_replayed`) with the rest of the first answer (its `key_id`, to revoke if the key was lost).",
      middleware: [idempotentWithSecret("api_key")] as const,
      request: { params: AgentPath, headers: IdempotencyHeaders },
      responses: { 201: jsonResponse(IssuedKeySchema, "The new key."), ...errorResponses("not_found") },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const { agent_id } = c.req.valid("param");
      const db = database(c.env);
      if (!(await agentExists(db, agent_id))) throw notFound("Agent", agent_id);
      const key = await issueKey(db, agent_id, auditContext(c));
      return c.json(key, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/keys",
      tags,
      summary: "List an agent's keys, without their secrets (admin)",
      request: { params: AgentPath },
      responses: { 200: jsonResponse(KeyListSchema, "The agent's keys, revoked ones included."), ...errorResponses("not_found") },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const { agent_id } = c.req.valid("param");
      const db = database(c.env);
      if (!(await agentExists(db, agent_id))) throw notFound("Agent", agent_id);
      // An agent has few keys: one page holds them all.
      return c.json({ items: await listKeys(db, agent_id), next_cursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/agents/{agent_id}/keys/{key_id}",
      tags,
      summary: "Revoke a key at once (admin)",
      request: { params: KeyPath },
      responses: {
        200: jsonResponse(RevokedKeySchema, "The key no longer authenticates."),
        ...errorResponses("not_found"),
      },
    }),
    async (c) => {
      await authorize(c, "agent:manage", admin);
      const { agent_id, key_id } = c.req.valid("param");
      if (!(await revokeKey(database(c.env), agent_id, key_id, auditContext(c)))) throw notFound("Active key", key_id);
      return c.json({ key_id, revoked: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/whoami",
      tags,
      summary: "Who the presented key belongs to",
      responses: { 200: jsonResponse(WhoAmISchema, "The caller."), ...errorResponses() },
    }),
    (c) => {
      const { agentId, role, attributes } = c.get("principal");
      return c.json({ agent_id: agentId, role, attributes: attributes as z.infer<typeof WhoAmISchema>["attributes"] }, 200);
    },
  );

