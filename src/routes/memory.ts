import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Action } from "../authz/actions";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { principalOf } from "../http/auth";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { isoNow } from "../lib/time";
import { countReads } from "../memory/access-counts";
import { findLiveMemory, listMemories, memoryJson } from "../memory/memory-rows";
import { cleanupMemories, deleteMemory, storeMemories, storeMemory } from "../memory/memory-writes";
import { namespaceResources } from "../memory/namespaces";
import {
  CleanupMemorySchema,
  CleanupResultSchema,
  DeletedMemorySchema,
  ListMemoryQuerySchema,
  MemoryBatchSchema,
  MemoryListSchema,
  MemorySchema,
  SearchMemorySchema,
  SearchResponseSchema,
  StoreMemoryBatchSchema,
  StoreMemorySchema,
} from "../memory/schemas";
import { searchMemories } from "../memory/search-memory";
import type { Memory } from "../memory/schemas";
import { platformEvent } from "../events/platform-events";
import { memoryServices } from "../memory/services";

const tags = ["Shared memory"];
const MemoryPath = z.object({ memory_id: z.string().min(1).max(64) });

/** Authorises `action` on every namespace; the first refusal is recorded and raised. */
async function authorizeNamespaces(c: Context<AppEnv>, action: Action, namespaces: string[]) {
  const resources = await namespaceResources(database(c.env), await principalOf(c), namespaces);
  for (const resource of resources) await authorize(c, action, resource);
}

/** The `memory.stored` platform event: free while no workflow subscribes to it (events/platform-events.ts). */
function memoryStored(c: Context<AppEnv>, m: Memory) {
  platformEvent(c, {
    type: "memory.stored",
    key: `memory.stored:${m.memory_id}`,
    data: { memory_id: m.memory_id, agent_id: m.agent_id, memory_type: m.memory_type, importance: m.importance, metadata: m.metadata, created_by: m.created_by, created_at: m.created_at },
  });
}

/** Access counts are bookkeeping: they are written after the response, and a failure only loses a count. */
function countAccess(c: Context<AppEnv>, ids: string[]) {
  countReads(database(c.env), ids, isoNow(), (work) => c.executionCtx.waitUntil(work));
}

export const memoryRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/memory",
      tags,
      summary: "Store a memory in a namespace",
      description: "An agent's own id is its private namespace; any other name is a shared namespace governed by policy.",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(StoreMemorySchema) },
      responses: { 201: jsonResponse(MemorySchema, "The stored memory."), ...errorResponses("unavailable") },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await authorizeNamespaces(c, "memory:write", [input.agent_id]);
      const memory = await storeMemory(memoryServices(c.env, c.executionCtx), input, auditContext(c));
      memoryStored(c, memory);
      return c.json(memory, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/memory/batch",
      tags,
      summary: "Store up to 100 memories at once, all or none",
      description: "For imports and agents that learn many facts at once: one embedding batch, one transaction.",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(StoreMemoryBatchSchema) },
      responses: { 201: jsonResponse(MemoryBatchSchema, "The stored memories, in the order sent."), ...errorResponses("unavailable") },
    }),
    async (c) => {
      const { memories } = c.req.valid("json");
      await authorizeNamespaces(c, "memory:write", [...new Set(memories.map((m) => m.agent_id))]);
      const items = await storeMemories(memoryServices(c.env, c.executionCtx), memories, auditContext(c));
      for (const memory of items) memoryStored(c, memory);
      return c.json({ items }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/memory/search",
      tags,
      summary: "Search one or more namespaces (hybrid, vector or keyword)",
      request: { body: jsonBody(SearchMemorySchema) },
      responses: { 200: jsonResponse(SearchResponseSchema, "Best first."), ...errorResponses("unavailable") },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const namespaces = [...new Set(typeof input.agent_id === "string" ? [input.agent_id] : input.agent_id)];
      // The search only reads, so it starts alongside the authorisation (which may need D1 to tell private
      // namespaces from shared ones); its answer is used only once the caller is authorised.
      const authorized = authorizeNamespaces(c, "memory:read", namespaces);
      const search = searchMemories(memoryServices(c.env), {
        namespaces,
        query: input.query,
        topK: input.top_k,
        mode: input.mode,
        filter: input.filter,
        minScore: input.min_score,
        minImportance: input.min_importance,
        memoryTypes: input.memory_type === undefined ? undefined : [input.memory_type].flat(),
      });
      search.catch(() => undefined); // a refusal wins; the discarded search must not surface as unhandled
      await authorized;
      const { results, ids } = await search;
      countAccess(c, ids);
      return c.json({ results }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/memory/cleanup",
      tags,
      summary: "Remove a namespace's memories below an importance threshold",
      request: { body: jsonBody(CleanupMemorySchema) },
      responses: { 200: jsonResponse(CleanupResultSchema, "How many memories were removed."), ...errorResponses() },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await authorizeNamespaces(c, "memory:delete", [input.agent_id]);
      const deleted = await cleanupMemories(memoryServices(c.env), input, auditContext(c));
      return c.json({ deleted }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/memory",
      tags,
      summary: "List a namespace's memories, newest first",
      request: { query: ListMemoryQuerySchema },
      responses: { 200: jsonResponse(MemoryListSchema, "A page of memories."), ...errorResponses() },
    }),
    async (c) => {
      const { agent_id, limit, cursor, memory_type } = c.req.valid("query");
      await authorizeNamespaces(c, "memory:read", [agent_id]);
      const constraints = { namespaces: [agent_id], memoryTypes: memory_type ? [memory_type] : undefined, now: isoNow() };
      return c.json(await listMemories(database(c.env), constraints, limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/memory/{memory_id}",
      tags,
      summary: "Get a memory",
      request: { params: MemoryPath },
      responses: { 200: jsonResponse(MemorySchema, "The memory."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { memory_id } = c.req.valid("param");
      const row = await findLiveMemory(database(c.env), memory_id, isoNow());
      if (!row) throw notFound("Memory", memory_id);
      await authorizeNamespaces(c, "memory:read", [row.agentId]);
      countAccess(c, [row.memoryId]);
      return c.json(memoryJson(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/memory/{memory_id}",
      tags,
      summary: "Delete a memory (its row, keyword entry and vector)",
      request: { params: MemoryPath },
      responses: {
        200: jsonResponse(DeletedMemorySchema, "The memory is gone."),
        ...errorResponses("not_found"),
      },
    }),
    async (c) => {
      const { memory_id } = c.req.valid("param");
      const services = memoryServices(c.env);
      const row = await findLiveMemory(services.db, memory_id, isoNow());
      if (!row) throw notFound("Memory", memory_id);
      await authorizeNamespaces(c, "memory:delete", [row.agentId]);
      await deleteMemory(services, row, auditContext(c));
      return c.json({ memory_id, deleted: true as const }, 200);
    },
  );
