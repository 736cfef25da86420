import { z } from "zod";
import { MEMORY_TYPES } from "../../memory/schemas";
import { segment } from "../rest-client";
import { ADDS, READS, REPLACES, defineTool } from "../tool";
import { agentId, nonEmpty } from "./arguments";

const namespace = agentId(
  "The namespace: defaults to your own agent id (your private namespace). Any other name (e.g. shared-knowledge-base) is a namespace shared under policy.",
);

interface Memory {
  memory_id: string;
  agent_id: string;
}

export const storeMemory = defineTool({
  name: "store_memory",
  title: "Store a memory",
  description:
    "Store a piece of knowledge (a fact, observation, instruction, preference or episode) so that you, or the agents sharing the namespace, " +
    "can find it later by meaning with search_memory. Semantic triggers registered on matching concepts fire when it is stored. " +
    "Returns the stored memory: {memory_id, agent_id (its namespace), content, metadata, memory_type, importance, created_at, expires_at, ...}.",
  input: z.strictObject({
    content: nonEmpty("What to remember, in words (at most 64 KiB)."),
    memory_type: z.enum(MEMORY_TYPES).optional().describe("What kind of memory this is (default fact)."),
    importance: z.number().min(0).max(1).optional().describe("0..1 (default 0.5): cleanup removes the least important first."),
    metadata: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe("Flat key-value pairs (string, number, boolean or null values) that search_memory can filter on."),
    agent_id: namespace.optional(),
    ttl_seconds: z.number().int().min(1).optional().describe("Forget the memory after this many seconds (default: never)."),
  }),
  annotations: ADDS,
  run: ({ agent_id, ...memory }, { rest, caller }) => rest.post<Memory>("/v1/memory", { body: { agent_id: agent_id ?? caller.agentId, ...memory } }),
});

export const searchMemory = defineTool({
  name: "search_memory",
  title: "Search memories by meaning",
  description:
    "Find the memories most relevant to a question, in your own namespace or a shared one (hybrid semantic and keyword search). " +
    "Use it before answering from scratch: another agent may already know. Returns a JSON array, best first, of " +
    "{memory_id, agent_id, content, metadata, memory_type, importance, score (0..1, higher is closer), created_at}; structuredContent wraps it as {items}.",
  input: z.strictObject({
    query: nonEmpty("The question or topic, in words."),
    top_k: z.number().int().min(1).max(100).optional().describe("How many results at most (default 10)."),
    memory_type: z.enum(MEMORY_TYPES).optional().describe("Only memories of this type."),
    min_importance: z.number().min(0).max(1).optional().describe("Only memories at least this important."),
    min_score: z.number().min(0).max(1).optional().describe("Only results at least this relevant."),
    filter: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Metadata conditions, all of which must hold: {"topic": "x"} or operators {"confidence": {"$gte": 0.9}} ($eq $ne $in $nin $gt $gte $lt $lte).'),
    agent_id: namespace.optional(),
  }),
  annotations: READS,
  listKey: "items",
  run: async ({ agent_id, ...search }, { rest, caller }) => {
    const { results } = await rest.post<{ results: unknown[] }>("/v1/memory/search", { body: { agent_id: agent_id ?? caller.agentId, ...search } });
    return results;
  },
});

export const deleteMemory = defineTool({
  name: "delete_memory",
  title: "Delete a memory",
  description: "Delete one memory for good (its text, keyword entry and vector), by id. Returns {deleted: true, memory_id}.",
  input: z.strictObject({ memory_id: nonEmpty("The memory's id (mem_…), as store_memory or search_memory returned it.").max(64) }),
  annotations: REPLACES,
  run: async ({ memory_id }, { rest }) => {
    await rest.delete(`/v1/memory/${segment(memory_id)}`);
    return { deleted: true, memory_id };
  },
});

export const MEMORY_TOOLS = [storeMemory, searchMemory, deleteMemory];
