import { DurableObject } from "cloudflare:workers";
import { EMBEDDING_DIMENSIONS } from "../src/memory/embeddings/embedder";
import { compileFilter } from "../src/memory/metadata-filter";
import { checkQueryVector, checkRecord, effectiveTopK, lastWriteWins } from "../src/memory/vector-index/vector-checks";
import type { VectorMatch, VectorQuery, VectorRecord } from "../src/memory/vector-index/vector-index";
import { searchExact } from "./vector-shard/exact-search";
import { quantiseDirection, unitQuery } from "./vector-shard/quantise";
import { ResidentIndex } from "./vector-shard/resident-index";
import { type StoredVector, VectorStore } from "./vector-shard/vector-store";

/** What a shard reports about itself, for tests, the bench and capacity planning. */
export interface VectorShardStats {
  vectors: number;
  /** Whether the in-memory copy is loaded (it is after the first query). */
  resident: boolean;
  /** Namespaces in memory; null until loaded. */
  namespaces: number | null;
  /** Bytes of typed arrays held in memory; ids and parsed metadata come on top. */
  residentTypedBytes: number;
}

/**
 * One shard of the local vector index (what `npm run dev` and the tests use in place of Vectorize).
 * Vectors live in SQLite: float32 values, an int8 copy of their direction and its error bound, and the
 * metadata. On the first query the int8 copies and parsed metadata are loaded into memory; queries scan
 * them exhaustively and re-score from the float32 values, so results are exact (see exact-search.ts).
 * Every write changes SQLite in one transaction and then the in-memory copy, so the two never disagree.
 * LocalVectorIndex spreads ids over shards by hash and merges their answers.
 */
export class VectorShard extends DurableObject<Env> {
  private readonly store: VectorStore;
  /** Loaded lazily: a shard that is only written to never pays for it. */
  private resident: ResidentIndex | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new VectorStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      VectorStore.migrate(ctx.storage.sql);
    });
  }

  /** Inserts or replaces by id (the last of repeated ids wins); returns how many distinct ids were written. */
  upsert(records: VectorRecord[]): { count: number } {
    const prepared = lastWriteWins(records).map((record) => {
      checkRecord(record);
      return prepare(record);
    });
    const slots = this.ctx.storage.transactionSync(() => prepared.map((v) => this.store.upsert(v)));
    if (this.resident) {
      const resident = this.resident;
      prepared.forEach((v, i) => {
        resident.put(v.namespace, {
          slot: slots[i]!,
          id: v.id,
          codes: v.codes,
          scale: v.scale,
          errorBound: v.errorBound,
          metadata: v.metadataJson === null ? undefined : (JSON.parse(v.metadataJson) as VectorRecord["metadata"]),
        });
      });
    }
    return { count: prepared.length };
  }

  /** The topK nearest by cosine within the namespace (all namespaces without one), among vectors matching the filter. */
  query(vector: Float32Array | number[], options: VectorQuery): { matches: VectorMatch[]; count: number } {
    checkQueryVector(vector);
    const topK = effectiveTopK(options.topK);
    const predicate = options.filter && Object.keys(options.filter).length > 0 ? compileFilter(options.filter) : undefined;
    if (topK === 0) return { matches: [], count: 0 };
    const segments = this.residentIndex().segmentsFor(options.namespace);
    const found = searchExact(segments, { query: unitQuery(vector), topK, predicate }, (slots) => this.store.valuesBySlot(slots));
    const matches = found.map(({ id, namespace, score }) => (namespace === null ? { id, score } : { id, score, namespace }));
    return { matches, count: matches.length };
  }

  /** The stored vectors with these ids, in the order asked, each once; unknown ids are left out. */
  getByIds(ids: string[]): VectorRecord[] {
    return this.store.recordsByIds(ids);
  }

  /** Deletes by id; returns how many distinct ids were processed (whether or not they existed, as Vectorize reports). */
  deleteByIds(ids: string[]): { count: number } {
    const distinct = [...new Set(ids)];
    const deleted = this.ctx.storage.transactionSync(() => distinct.filter((id) => this.store.delete(id)));
    for (const id of deleted) this.resident?.remove(id);
    return { count: distinct.length };
  }

  stats(): VectorShardStats {
    return {
      vectors: this.store.count(),
      resident: this.resident !== undefined,
      namespaces: this.resident?.namespaceCount ?? null,
      residentTypedBytes: this.resident?.typedBytes ?? 0,
    };
  }

  private residentIndex(): ResidentIndex {
    if (!this.resident) {
      const index = new ResidentIndex(EMBEDDING_DIMENSIONS);
      this.store.loadInto(index);
      this.resident = index;
    }
    return this.resident;
  }
}

function prepare(record: VectorRecord): StoredVector {
  const values = Float32Array.from(record.values);
  return {
    id: record.id,
    namespace: record.namespace ?? null,
    values,
    ...quantiseDirection(values),
    metadataJson: record.metadata === undefined ? null : JSON.stringify(record.metadata),
  };
}
