import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client";
import { ApiError } from "../src/http/errors";
import { EmbeddingError, type Embedder } from "../src/memory/embeddings/embedder";
import { embedderFor } from "../src/memory/embeddings";
import { type MemoryServices, storeMemory } from "../src/memory/memory-writes";
import { vectorIndexFor } from "../src/memory/vector-index";
import type { VectorIndex } from "../src/memory/vector-index/vector-index";
import { count, uniqueId } from "./helpers";

const input = (ns: string) => ({ agent_id: ns, content: "Atomic stores never half-write", metadata: {}, memory_type: "fact" as const, importance: 0.5 });
const audit = { agentId: "tester", requestId: "req_test" };

describe("a memory store is all or nothing", () => {
  it("stores nothing when the embedding fails, and says so with 503", async () => {
    const failing: Embedder = { model: "broken", embed: () => Promise.reject(new EmbeddingError("model unavailable")) };
    const services: MemoryServices = { db: database(env), embedder: failing, index: vectorIndexFor(env) };
    const ns = uniqueId("kb");
    const err = await storeMemory(services, input(ns), audit).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect(await count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", ns)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE resource = ?", `memory:${ns}`)).toBe(0);
  });

  it("takes the vector back out when the row cannot be written", async () => {
    const db = database(env);
    const index = vectorIndexFor(env);
    const upserted: string[] = [];
    const watchingIndex: VectorIndex = {
      upsert: (vectors) => (upserted.push(...vectors.map((v) => v.id)), index.upsert(vectors)),
      query: (vector, options) => index.query(vector, options),
      getByIds: (ids) => index.getByIds(ids),
      deleteByIds: (ids) => index.deleteByIds(ids),
    };
    const failingDb = new Proxy(db, {
      get: (target, prop, receiver) => (prop === "batch" ? () => Promise.reject(new Error("D1 is down")) : Reflect.get(target, prop, receiver)),
    });
    const services: MemoryServices = { db: failingDb, embedder: embedderFor(env), index: watchingIndex };
    const ns = uniqueId("kb");
    await expect(storeMemory(services, input(ns), audit)).rejects.toThrow("D1 is down");
    expect(upserted).toHaveLength(1);
    expect(await index.getByIds(upserted)).toEqual([]);
    expect(await count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", ns)).toBe(0);
  });
});
