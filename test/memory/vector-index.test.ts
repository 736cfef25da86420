import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { VectorShard } from "../../durable-objects/vector-shard";
import { LocalVectorIndex } from "../../src/memory/vector-index/local-vector-index";
import { LOCAL_VECTOR_SHARDS } from "../../src/memory/vector-index/shard-routing";
import type { VectorRecord } from "../../src/memory/vector-index/vector-index";
import { VectorizeVectorIndex } from "../../src/memory/vector-index/vectorize-index";
import { VectorizeFake } from "../fakes/vectorize-fake";
import { uniqueId } from "../helpers";
import { vectorIndexContract, vectorOf } from "./vector-index-contract";

describe("local vector index (VectorShard Durable Objects)", () => {
  vectorIndexContract(() => new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("index")));
});

describe("Vectorize adapter (over a faithful in-memory Vectorize)", () => {
  vectorIndexContract(() => new VectorizeVectorIndex(new VectorizeFake()));
});

/** A deterministic pseudo-random source (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Vectors in tight clusters, so many scores differ only in the third or fourth decimal (hard for int8). */
function clusteredVectors(count: number, seed: number, namespace?: string): VectorRecord[] {
  const next = random(seed);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: 384 }, () => next() - 0.5));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % centres.length]!;
    const values = new Float32Array(centre.map((x) => x + (next() - 0.5) * 0.05));
    return { id: `v-${seed}-${i}`, values, ...(namespace ? { namespace } : {}), metadata: { n: i, odd: i % 2 === 1 } };
  });
}

function bruteForce(records: VectorRecord[], query: Float32Array, topK: number, keep: (r: VectorRecord) => boolean = () => true) {
  const q = Array.from(query);
  const qn = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
  return records
    .filter(keep)
    .map((r) => {
      let dot = 0;
      let n = 0;
      for (let i = 0; i < q.length; i++) {
        const x = Math.fround(r.values[i]!);
        dot += q[i]! * x;
        n += x * x;
      }
      return { id: r.id, score: dot / (qn * Math.sqrt(n)) };
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, topK);
}

describe("local vector index internals", () => {
  it("answers exactly what a brute-force float search answers, despite int8 quantisation", async () => {
    const index = new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("exact"));
    const records = clusteredVectors(3000, 7);
    for (let i = 0; i < records.length; i += 500) await index.upsert(records.slice(i, i + 500));
    const next = random(99);
    for (let q = 0; q < 12; q++) {
      const base = records[Math.floor(next() * records.length)]!;
      const query = new Float32Array(Array.from(base.values, (x) => x + (next() - 0.5) * 0.02));
      const topK = [1, 10, 37, 100][q % 4]!;
      const filter = q % 3 === 0 ? { odd: true } : undefined;
      const expected = bruteForce(records, query, topK, filter ? (r) => r.metadata?.odd === true : undefined);
      const { matches } = await index.query(query, filter ? { topK, filter } : { topK });
      expect(matches.map((m) => m.id)).toEqual(expected.map((e) => e.id));
      matches.forEach((m, i) => expect(m.score).toBeCloseTo(expected[i]!.score, 6));
    }
  });

  it("spreads ids over its shards and merges their answers", async () => {
    const index = new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("spread"));
    await index.upsert(clusteredVectors(400, 3, "agent-a"));
    const counts = await Promise.all(Array.from({ length: LOCAL_VECTOR_SHARDS }, (_, i) => index.shard(i).stats()));
    expect(counts.reduce((s, c) => s + c.vectors, 0)).toBe(400);
    for (const c of counts) expect(c.vectors).toBeGreaterThan(50);
  });

  it("survives a Durable Object restart, with memory and storage in step", async () => {
    const index = new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("restart"));
    const records = clusteredVectors(300, 11, "agent-a");
    await index.upsert(records);
    const query = new Float32Array(records[5]!.values);
    // Load every shard's in-memory copy, then change it through writes that must reach storage too.
    await index.query(query, { topK: 10 });
    await index.deleteByIds(records.slice(0, 40).map((r) => r.id));
    await index.upsert([{ ...records[50]!, namespace: "agent-b", metadata: { moved: true } }]);
    await index.upsert(clusteredVectors(20, 12, "agent-a"));
    const before = await index.query(query, { topK: 25, namespace: "agent-a", filter: { odd: false } });
    const beforeAll = await index.query(query, { topK: 100 });

    for (let i = 0; i < LOCAL_VECTOR_SHARDS; i++) {
      const stub = index.shard(i);
      expect((await stub.stats()).resident).toBe(true);
      await evictDurableObject(stub);
      expect((await stub.stats()).resident).toBe(false);
    }

    expect(await index.query(query, { topK: 25, namespace: "agent-a", filter: { odd: false } })).toEqual(before);
    expect(await index.query(query, { topK: 100 })).toEqual(beforeAll);
    expect((await index.query(query, { topK: 5, filter: { moved: true } })).matches.map((m) => [m.id, m.namespace])).toEqual([[records[50]!.id, "agent-b"]]);
    expect(await index.getByIds([records[0]!.id])).toEqual([]);
  });

  it("keeps its in-memory copy in step with SQLite row for row", async () => {
    const index = new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("step"), 1);
    const records = clusteredVectors(200, 21, "ns-1");
    await index.upsert(records);
    await index.query(new Float32Array(records[0]!.values), { topK: 1 });
    await index.deleteByIds(records.filter((_, i) => i % 3 === 0).map((r) => r.id));
    await index.upsert(records.filter((_, i) => i % 5 === 0).map((r) => ({ ...r, namespace: "ns-2" })));
    const stub: DurableObjectStub<VectorShard> = index.shard(0);
    const check = await runInDurableObject(stub, (_instance: VectorShard, state) => {
      const rows = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vectors").one().n;
      const perNamespace = state.storage.sql
        .exec<{ namespace: string; n: number }>("SELECT namespace, count(*) AS n FROM vectors GROUP BY namespace ORDER BY namespace")
        .toArray();
      return { rows, perNamespace };
    });
    // 200 − 67 deleted (every third) + 14 of the deleted fifths written again under ns-2.
    expect(check.rows).toBe(200 - 67 + 14);
    const all = await index.query(new Float32Array(records[1]!.values), { topK: 100, namespace: "ns-2" });
    expect(all.matches).toHaveLength(40);
    expect(check.perNamespace).toEqual([
      { namespace: "ns-1", n: check.rows - 40 },
      { namespace: "ns-2", n: 40 },
    ]);
  });

  it("finds the nearest of 10,000 vectors from the in-memory copies, in the namespace asked for", async () => {
    // How fast is the bench's business (bench/figures/memory-search.ts, `npm run bench`): a timed test
    // would only measure how busy the machine running it is.
    const index = new LocalVectorIndex(env.VECTOR_SHARD, uniqueId("speed"));
    const records = clusteredVectors(10_000, 5, "agent-a");
    for (let i = 0; i < records.length; i += 1000) await index.upsert(records.slice(i, i + 1000));
    const query = new Float32Array(records[42]!.values);
    await index.query(query, { topK: 10 }); // loads the in-memory copies
    const { matches } = await index.query(query, { topK: 10, namespace: "agent-a" });
    expect(matches.map((m) => m.id)).toEqual(bruteForce(records, query, 10).map((e) => e.id));
    expect(matches[0]!.id).toBe(records[42]!.id);
  });
});
