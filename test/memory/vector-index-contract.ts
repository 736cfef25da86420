import { expect, it } from "vitest";
import { EMBEDDING_DIMENSIONS } from "../../src/memory/embeddings/embedder";
import { type VectorIndex, VectorIndexError, type VectorMatch, type VectorMetadata } from "../../src/memory/vector-index/vector-index";

/** A 384-dimension vector with the given components set and the rest zero. */
export function vectorOf(components: Record<number, number>): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const [i, x] of Object.entries(components)) v[Number(i)] = x;
  return v;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

const ids = (matches: VectorMatch[]) => matches.map((m) => m.id);
const sortedIds = (matches: VectorMatch[]) => ids(matches).sort();

/**
 * The VectorIndex contract, as one list of cases any implementation must pass. `fresh` returns an index
 * that holds nothing yet (each case gets its own).
 */
export function vectorIndexContract(fresh: () => VectorIndex): void {
  it("returns the nearest first, scored by cosine similarity", async () => {
    const index = fresh();
    const a = vectorOf({ 0: 1 });
    const b = vectorOf({ 0: 1, 1: 1 });
    const c = vectorOf({ 1: 2 });
    const d = vectorOf({ 0: -1, 2: 0.5 });
    await index.upsert([
      { id: "c", values: c },
      { id: "a", values: a },
      { id: "d", values: d },
      { id: "b", values: new Float32Array(b) },
    ]);
    const query = vectorOf({ 0: 1, 1: 0.2 });
    const { matches, count } = await index.query(query, { topK: 4 });
    expect(ids(matches)).toEqual(["a", "b", "c", "d"]);
    expect(count).toBe(4);
    const expected = { a, b, c, d };
    for (const m of matches) expect(m.score).toBeCloseTo(cosine(query, expected[m.id as keyof typeof expected]), 5);
    expect(matches[3]!.score).toBeLessThan(0);
  });

  it("keeps namespaces apart, and searches all of them when the query names none", async () => {
    const index = fresh();
    await index.upsert([
      { id: "mine-1", values: vectorOf({ 0: 1 }), namespace: "agent-a" },
      { id: "mine-2", values: vectorOf({ 0: 1, 1: 1 }), namespace: "agent-a" },
      { id: "theirs-1", values: vectorOf({ 0: 1 }), namespace: "agent-b" },
      { id: "shared-1", values: vectorOf({ 0: 1, 1: 0.5 }), namespace: "shared-knowledge-base" },
    ]);
    const mine = await index.query(vectorOf({ 0: 1 }), { topK: 10, namespace: "agent-a" });
    expect(ids(mine.matches)).toEqual(["mine-1", "mine-2"]);
    expect(mine.matches.every((m) => m.namespace === "agent-a")).toBe(true);
    const none = await index.query(vectorOf({ 0: 1 }), { topK: 10, namespace: "agent-nobody" });
    expect(none.matches).toEqual([]);
    const all = await index.query(vectorOf({ 0: 1 }), { topK: 10 });
    expect(sortedIds(all.matches)).toEqual(["mine-1", "mine-2", "shared-1", "theirs-1"]);
    expect(all.matches.find((m) => m.id === "theirs-1")?.namespace).toBe("agent-b");
  });

  it("filters by metadata with each operator, comparing by JSON type", async () => {
    const index = fresh();
    const same = vectorOf({ 0: 1 });
    const records: Array<[string, VectorMetadata | undefined]> = [
      ["ltv-sure", { topic: "ltv", confidence: 0.93, verified: true }],
      ["ltv-text", { topic: "ltv", confidence: "0.95" }],
      ["churn-low", { topic: "churn", confidence: 0.5, reviewer: null }],
      ["pricing", { topic: "pricing", confidence: 0.9, day: "2024-05-01" }],
      ["bare", undefined],
    ];
    await index.upsert(records.map(([id, metadata]) => (metadata ? { id, values: same, metadata } : { id, values: same })));
    const where = async (filter: Parameters<VectorIndex["query"]>[1]["filter"]) => sortedIds((await index.query(same, { topK: 10, filter })).matches);

    expect(await where({ confidence: { $gte: 0.9 } })).toEqual(["ltv-sure", "pricing"]);
    expect(await where({ confidence: { $gt: 0.9 } })).toEqual(["ltv-sure"]);
    expect(await where({ confidence: { $lt: 0.9 } })).toEqual(["churn-low"]);
    expect(await where({ confidence: { $lte: 0.9 } })).toEqual(["churn-low", "pricing"]);
    expect(await where({ confidence: { $gte: "0.9" } })).toEqual(["ltv-text"]);
    expect(await where({ confidence: "0.95" })).toEqual(["ltv-text"]);
    expect(await where({ topic: "ltv" })).toEqual(["ltv-sure", "ltv-text"]);
    expect(await where({ topic: { $eq: "churn" } })).toEqual(["churn-low"]);
    expect(await where({ topic: { $ne: "ltv" } })).toEqual(["bare", "churn-low", "pricing"]);
    expect(await where({ topic: { $in: ["churn", "pricing"] } })).toEqual(["churn-low", "pricing"]);
    expect(await where({ topic: { $nin: ["churn", "pricing"] } })).toEqual(["bare", "ltv-sure", "ltv-text"]);
    expect(await where({ verified: true })).toEqual(["ltv-sure"]);
    expect(await where({ verified: 1 })).toEqual([]);
    expect(await where({ reviewer: null })).toEqual(["churn-low"]);
    expect(await where({ day: { $gte: "2024-04-30", $lt: "2024-06-01" } })).toEqual(["pricing"]);
    expect(await where({ topic: "ltv", confidence: { $gte: 0.9 } })).toEqual(["ltv-sure"]);
    expect(await where({})).toEqual(["bare", "churn-low", "ltv-sure", "ltv-text", "pricing"]);
  });

  it("filters before ranking, so topK counts only matching vectors", async () => {
    const index = fresh();
    const records = Array.from({ length: 30 }, (_, i) => ({
      id: `v${String(i).padStart(2, "0")}`,
      values: vectorOf({ 0: 1, 1: i / 10 }),
      metadata: { even: i % 2 === 0 },
    }));
    await index.upsert(records);
    const { matches } = await index.query(vectorOf({ 0: 1 }), { topK: 3, filter: { even: false } });
    expect(ids(matches)).toEqual(["v01", "v03", "v05"]);
  });

  it("replaces a vector, its metadata and its namespace on upsert", async () => {
    const index = fresh();
    await index.upsert([{ id: "m", values: vectorOf({ 0: 1 }), namespace: "agent-a", metadata: { topic: "old" } }]);
    await index.upsert([{ id: "m", values: vectorOf({ 1: 1 }), namespace: "agent-b", metadata: { topic: "new" } }]);
    const near = await index.query(vectorOf({ 1: 1 }), { topK: 5 });
    expect(near.matches).toHaveLength(1);
    expect(near.matches[0]).toMatchObject({ id: "m", namespace: "agent-b" });
    expect(near.matches[0]!.score).toBeCloseTo(1, 5);
    expect((await index.query(vectorOf({ 1: 1 }), { topK: 5, namespace: "agent-a" })).matches).toEqual([]);
    expect((await index.query(vectorOf({ 1: 1 }), { topK: 5, filter: { topic: "old" } })).matches).toEqual([]);
    const [stored] = await index.getByIds(["m"]);
    expect(stored?.metadata).toEqual({ topic: "new" });
    expect(stored?.values[1]).toBeCloseTo(1, 6);
    expect(stored?.values[0]).toBe(0);
  });

  it("applies the last of repeated ids in one upsert", async () => {
    const index = fresh();
    const { count } = await index.upsert([
      { id: "twice", values: vectorOf({ 0: 1 }), metadata: { v: 1 } },
      { id: "twice", values: vectorOf({ 1: 1 }), metadata: { v: 2 } },
    ]);
    expect(count).toBe(1);
    const [stored] = await index.getByIds(["twice"]);
    expect(stored?.metadata).toEqual({ v: 2 });
  });

  it("removes deleted vectors from results and reads", async () => {
    const index = fresh();
    await index.upsert([
      { id: "keep", values: vectorOf({ 0: 1 }) },
      { id: "drop-1", values: vectorOf({ 0: 1, 1: 0.1 }) },
      { id: "drop-2", values: vectorOf({ 0: 1, 1: 0.2 }), namespace: "agent-a" },
    ]);
    const { count } = await index.deleteByIds(["drop-1", "drop-2", "drop-1", "never-was"]);
    expect(count).toBe(3);
    expect(ids((await index.query(vectorOf({ 0: 1 }), { topK: 10 })).matches)).toEqual(["keep"]);
    expect((await index.query(vectorOf({ 0: 1 }), { topK: 10, namespace: "agent-a" })).matches).toEqual([]);
    expect(await index.getByIds(["drop-1", "drop-2"])).toEqual([]);
  });

  it("reads vectors by id with their values, namespace and metadata, leaving out unknown ids", async () => {
    const index = fresh();
    const values = vectorOf({ 0: 0.25, 5: -0.5, 383: 1 / 3 });
    await index.upsert([
      { id: "with-all", values, namespace: "agent-a", metadata: { topic: "ltv", confidence: 0.93, reviewer: null } },
      { id: "plain", values: vectorOf({ 1: 1 }) },
    ]);
    const records = await index.getByIds(["plain", "unknown", "with-all"]);
    expect(records.map((r) => r.id)).toEqual(["plain", "with-all"]);
    const full = records[1]!;
    expect(full.namespace).toBe("agent-a");
    expect(full.metadata).toEqual({ topic: "ltv", confidence: 0.93, reviewer: null });
    expect(full.values).toHaveLength(EMBEDDING_DIMENSIONS);
    for (let i = 0; i < values.length; i++) expect(full.values[i]).toBeCloseTo(values[i]!, 6);
    expect(records[0]!.namespace).toBeUndefined();
    expect(records[0]!.metadata).toBeUndefined();
  });

  it("reads many ids at once", async () => {
    const index = fresh();
    const many = Array.from({ length: 45 }, (_, i) => ({ id: `id-${i}`, values: vectorOf({ [i]: 1 }) }));
    await index.upsert(many);
    const records = await index.getByIds(many.map((m) => m.id));
    expect(records.map((r) => r.id)).toEqual(many.map((m) => m.id));
  });

  it("returns at most topK matches, and at most 100", async () => {
    const index = fresh();
    await index.upsert(Array.from({ length: 120 }, (_, i) => ({ id: `v${i}`, values: vectorOf({ 0: 1, [1 + (i % 300)]: i / 100 }) })));
    expect((await index.query(vectorOf({ 0: 1 }), { topK: 5 })).matches).toHaveLength(5);
    expect((await index.query(vectorOf({ 0: 1 }), { topK: 1 })).matches.map((m) => m.id)).toEqual(["v0"]);
    const capped = await index.query(vectorOf({ 0: 1 }), { topK: 500 });
    expect(capped.matches).toHaveLength(100);
    expect(capped.count).toBe(100);
    expect((await index.query(vectorOf({ 0: 1 }), { topK: 0 })).matches).toEqual([]);
  });

  it("refuses vectors it cannot hold, with a VectorIndexError", async () => {
    const index = fresh();
    await expect(index.upsert([{ id: "short", values: [1, 0, 0] }])).rejects.toThrow(VectorIndexError);
    await expect(index.upsert([{ id: "zero", values: vectorOf({}) }])).rejects.toThrow(/zeros/);
    await expect(index.upsert([{ id: "x".repeat(65), values: vectorOf({ 0: 1 }) }])).rejects.toThrow(/64 bytes/);
    await expect(index.upsert([{ id: "nan", values: vectorOf({ 0: Number.NaN }) }])).rejects.toThrow(/finite/);
    await expect(index.query([1, 2], { topK: 3 })).rejects.toThrow(VectorIndexError);
    await expect(index.query(vectorOf({ 0: 1 }), { topK: 3, filter: { topic: { $regex: "x" } as never } })).rejects.toThrow(VectorIndexError);
    expect(await index.getByIds(["short", "zero", "nan"])).toEqual([]);
  });
}
