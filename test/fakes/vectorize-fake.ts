import { matchesFilter } from "../../src/memory/metadata-filter";
import type { VectorizeBinding } from "../../src/memory/vector-index/vectorize-index";
import type { VectorFilter, VectorMetadata } from "../../src/memory/vector-index/vector-index";

/** A call the fake received, for tests that check batching. */
export interface VectorizeCall {
  method: "upsert" | "query" | "getByIds" | "deleteByIds";
  size: number;
  options?: VectorizeQueryOptions;
}

interface StoredVector {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Record<string, VectorizeVectorMetadata>;
}

const utf8 = new TextEncoder();

/**
 * An in-memory stand-in for a Vectorize (v2) index binding with the cosine metric, faithful to what the
 * adapter relies on and to the limits it must respect: upsert replaces by id (ids are unique across
 * namespaces), at most 1000 vectors per upsert and 1000 ids per delete, at most 20 ids per getByIds,
 * ids and namespaces of at most 64 bytes, at most 10 KiB of metadata, topK at most 100 (20 when values or
 * all metadata are returned), mutations answered with a mutation id. Filters are evaluated with the
 * project's matcher, so the fake filters exactly like the contract says (real Vectorize filters only on
 * fields with a metadata index). Unlike Vectorize, writes are visible at once.
 */
export class VectorizeFake implements VectorizeBinding {
  readonly calls: VectorizeCall[] = [];
  private readonly vectors = new Map<string, StoredVector>();
  private mutations = 0;

  constructor(readonly dimensions = 384) {}

  get size(): number {
    return this.vectors.size;
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.calls.push({ method: "upsert", size: vectors.length });
    if (vectors.length > 1000) throw vectorizeError(40005, "too many vectors in payload; max is 1000");
    for (const v of vectors) this.check(v);
    for (const v of vectors) {
      const stored: StoredVector = { id: v.id, values: Array.from(v.values, Math.fround) };
      if (v.namespace !== undefined) stored.namespace = v.namespace;
      if (v.metadata !== undefined) stored.metadata = structuredClone(v.metadata) as Record<string, VectorizeVectorMetadata>;
      this.vectors.set(v.id, stored);
    }
    return { mutationId: `mutation-${++this.mutations}` };
  }

  async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    this.calls.push({ method: "query", size: 1, options });
    const topK = options.topK ?? 5;
    const heavy = options.returnValues === true || options.returnMetadata === true || options.returnMetadata === "all";
    if (topK < 1 || topK > (heavy ? 20 : 100)) throw vectorizeError(40025, `invalid topK ${topK}; max is ${heavy ? 20 : 100}`);
    if (vector.length !== this.dimensions) throw vectorizeError(40006, `query vector has ${vector.length} dimensions, index has ${this.dimensions}`);
    const query = Array.from(vector);
    const matches: VectorizeMatch[] = [];
    for (const v of this.vectors.values()) {
      if (options.namespace !== undefined && v.namespace !== options.namespace) continue;
      if (options.filter && !matchesFilter(v.metadata as VectorMetadata | undefined, options.filter as VectorFilter)) continue;
      const match: VectorizeMatch = { id: v.id, score: cosine(query, v.values) };
      if (v.namespace !== undefined) match.namespace = v.namespace;
      if (options.returnValues) match.values = [...v.values];
      if (options.returnMetadata && options.returnMetadata !== "none" && v.metadata) match.metadata = structuredClone(v.metadata);
      matches.push(match);
    }
    matches.sort((a, b) => b.score - a.score);
    return { matches: matches.slice(0, topK), count: Math.min(topK, matches.length) };
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    this.calls.push({ method: "getByIds", size: ids.length });
    if (ids.length > 20) throw vectorizeError(40007, "too many ids in payload; max id count is 20");
    return ids.flatMap((id) => {
      const v = this.vectors.get(id);
      return v ? [structuredClone(v)] : [];
    });
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.calls.push({ method: "deleteByIds", size: ids.length });
    if (ids.length > 1000) throw vectorizeError(40008, "too many ids in payload; max is 1000");
    for (const id of ids) this.vectors.delete(id);
    return { mutationId: `mutation-${++this.mutations}` };
  }

  private check(v: VectorizeVector): void {
    if (utf8.encode(v.id).byteLength > 64) throw vectorizeError(40003, `id '${v.id}' is longer than 64 bytes`);
    if (v.namespace !== undefined && utf8.encode(v.namespace).byteLength > 64) throw vectorizeError(40009, `namespace '${v.namespace}' is longer than 64 bytes`);
    if (v.values.length !== this.dimensions) throw vectorizeError(40006, `vector '${v.id}' has ${v.values.length} dimensions, index has ${this.dimensions}`);
    if (v.metadata !== undefined && utf8.encode(JSON.stringify(v.metadata)).byteLength > 10 * 1024) throw vectorizeError(40010, `metadata of '${v.id}' is over 10 KiB`);
  }
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.fround(a[i]!);
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function vectorizeError(code: number, message: string): Error {
  return new Error(`VECTOR_ERROR (code = ${code}): ${message}`);
}
