import { describe, expect, it } from "vitest";
import { VectorIndexError } from "../../src/memory/vector-index/vector-index";
import { type VectorizeBinding, VectorizeVectorIndex, vectorizeNamespace } from "../../src/memory/vector-index/vectorize-index";
import { VectorizeFake } from "../fakes/vectorize-fake";
import { vectorOf } from "./vector-index-contract";

describe("Vectorize adapter", () => {
  it("keeps every call within Vectorize's batch limits", async () => {
    const fake = new VectorizeFake();
    const index = new VectorizeVectorIndex(fake);
    const records = Array.from({ length: 2300 }, (_, i) => ({ id: `m-${i}`, values: vectorOf({ [i % 384]: 1, 0: 0.5 }) }));
    expect(await index.upsert(records)).toEqual({ count: 2300 });
    expect(fake.calls.filter((c) => c.method === "upsert").map((c) => c.size)).toEqual([1000, 1000, 300]);
    expect(await index.getByIds(records.slice(0, 45).map((r) => r.id))).toHaveLength(45);
    expect(fake.calls.filter((c) => c.method === "getByIds").map((c) => c.size)).toEqual([20, 20, 5]);
    expect(await index.deleteByIds(records.map((r) => r.id))).toEqual({ count: 2300 });
    expect(fake.calls.filter((c) => c.method === "deleteByIds").map((c) => c.size)).toEqual([1000, 1000, 300]);
    expect(fake.size).toBe(0);
  });

  it("asks for at most 100 matches, without values or metadata", async () => {
    const fake = new VectorizeFake();
    const index = new VectorizeVectorIndex(fake);
    await index.upsert([{ id: "a", values: vectorOf({ 0: 1 }), metadata: { topic: "ltv" } }]);
    const { matches } = await index.query(vectorOf({ 0: 1 }), { topK: 1000, namespace: "ns", filter: { topic: "ltv" } });
    expect(matches).toEqual([]);
    const options = fake.calls.find((c) => c.method === "query")?.options;
    expect(options).toEqual({ topK: 100, returnValues: false, returnMetadata: "none", namespace: "ns", filter: { topic: "ltv" } });
  });

  it("maps a namespace longer than Vectorize's 64 bytes to a stable hash and gives the name back", async () => {
    const fake = new VectorizeFake();
    const index = new VectorizeVectorIndex(fake);
    const long = `agent-${"x".repeat(100)}`;
    const encoded = await vectorizeNamespace(long);
    expect(encoded).toMatch(/^~[0-9a-f]{40}$/);
    expect(await vectorizeNamespace(long)).toBe(encoded);
    expect(await vectorizeNamespace("~looks-hashed")).not.toBe("~looks-hashed");
    expect(await vectorizeNamespace("shared-knowledge-base")).toBe("shared-knowledge-base");

    await index.upsert([
      { id: "long-1", values: vectorOf({ 0: 1 }), namespace: long },
      { id: "long-2", values: vectorOf({ 0: 1 }), namespace: long, metadata: { topic: "ltv" } },
    ]);
    const found = await index.query(vectorOf({ 0: 1 }), { topK: 5, namespace: long });
    expect(found.matches.map((m) => [m.id, m.namespace])).toEqual([
      ["long-1", long],
      ["long-2", long],
    ]);
    const [plain, tagged] = await index.getByIds(["long-1", "long-2"]);
    expect(plain).toMatchObject({ id: "long-1", namespace: long });
    expect(plain?.metadata).toBeUndefined();
    expect(tagged?.metadata).toEqual({ topic: "ltv" });
  });

  it("raises Vectorize's failures as VectorIndexError, with the cause", async () => {
    const failure = new Error("VECTOR_QUERY_ERROR (code = 40006): query vector has wrong dimensions");
    const broken: VectorizeBinding = {
      upsert: () => Promise.reject(failure),
      query: () => Promise.reject(failure),
      getByIds: () => Promise.reject(failure),
      deleteByIds: () => Promise.reject(failure),
    };
    const index = new VectorizeVectorIndex(broken);
    const error = await index.query(vectorOf({ 0: 1 }), { topK: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorIndexError);
    expect((error as VectorIndexError).cause).toBe(failure);
    await expect(index.upsert([{ id: "a", values: vectorOf({ 0: 1 }) }])).rejects.toThrow(/Vectorize upsert failed/);
  });
});
