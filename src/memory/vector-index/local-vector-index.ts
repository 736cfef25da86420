import type { VectorShard } from "../../../durable-objects/vector-shard";
import { compileFilter } from "../metadata-filter";
import { checkQueryVector, checkRecord, effectiveTopK, lastWriteWins } from "./vector-checks";
import { byScoreThenId } from "./match-order";
import { LOCAL_VECTOR_SHARDS, groupByShard } from "./shard-routing";
import { type VectorIndex, VectorIndexError, type VectorMatch, type VectorQuery, type VectorRecord } from "./vector-index";

/** Records per RPC call: keeps each message small whatever the caller hands over. */
const UPSERT_CHUNK = 500;

/**
 * The VectorIndex of development and tests: VectorShard Durable Objects (exact search over SQLite-backed
 * vectors). Ids are spread over LOCAL_VECTOR_SHARDS shards by hash, so a write, read or delete by id
 * goes to one shard without a directory, no shard holds more than its share (a Durable Object has 128 MB),
 * and a query asks every shard in parallel and merges their exact top-k into the exact global top-k.
 * `indexName` keeps separate indexes (tests use their own) in separate objects.
 */
export class LocalVectorIndex implements VectorIndex {
  constructor(
    private readonly shards: DurableObjectNamespace<VectorShard>,
    private readonly indexName = "memory",
    private readonly shardCount = LOCAL_VECTOR_SHARDS,
  ) {}

  async upsert(vectors: VectorRecord[]): Promise<{ count: number }> {
    const records = lastWriteWins(vectors);
    // Checked here too so that the caller gets a VectorIndexError, not an error flattened by RPC.
    records.forEach(checkRecord);
    const calls: Promise<{ count: number }>[] = [];
    for (const [shard, group] of groupByShard(records, (r) => r.id, this.shardCount)) {
      for (let i = 0; i < group.length; i += UPSERT_CHUNK) calls.push(this.shard(shard).upsert(group.slice(i, i + UPSERT_CHUNK)));
    }
    await this.call("upsert", () => Promise.all(calls));
    return { count: records.length };
  }

  async query(vector: Float32Array | number[], options: VectorQuery): Promise<{ matches: VectorMatch[]; count: number }> {
    checkQueryVector(vector);
    compileFilter(options.filter); // a malformed filter fails here, as a VectorIndexError, not in every shard
    const topK = effectiveTopK(options.topK);
    if (topK === 0) return { matches: [], count: 0 };
    const query = vector instanceof Float32Array ? vector : Float32Array.from(vector);
    const answers = await this.call("query", () =>
      Promise.all(Array.from({ length: this.shardCount }, (_, shard) => this.shard(shard).query(query, { ...options, topK }))),
    );
    // Each shard's top-k is exact, so the best k of their union is the exact global top-k.
    const matches = answers
      .flatMap((answer) => answer.matches)
      .sort(byScoreThenId)
      .slice(0, topK);
    return { matches, count: matches.length };
  }

  async getByIds(ids: string[]): Promise<VectorRecord[]> {
    const distinct = [...new Set(ids)];
    const found = new Map<string, VectorRecord>();
    await this.call("getByIds", () =>
      Promise.all(
        [...groupByShard(distinct, (id) => id, this.shardCount)].map(async ([shard, group]) => {
          for (const record of await this.shard(shard).getByIds(group)) found.set(record.id, record);
        }),
      ),
    );
    return distinct.flatMap((id) => found.get(id) ?? []);
  }

  async deleteByIds(ids: string[]): Promise<{ count: number }> {
    const distinct = [...new Set(ids)];
    await this.call("deleteByIds", () =>
      Promise.all([...groupByShard(distinct, (id) => id, this.shardCount)].map(([shard, group]) => this.shard(shard).deleteByIds(group))),
    );
    return { count: distinct.length };
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new VectorIndexError(`The local vector index could not ${operation}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** The stub of one shard; exposed for tests and the bench. */
  shard(index: number): DurableObjectStub<VectorShard> {
    return this.shards.get(this.shards.idFromName(`${this.indexName}/${index}`));
  }
}
