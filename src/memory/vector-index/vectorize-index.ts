import { compileFilter } from "../metadata-filter";
import { byScoreThenId } from "./match-order";
import { checkQueryVector, checkRecord, effectiveTopK, lastWriteWins } from "./vector-checks";
import { type VectorFilter, type VectorIndex, type VectorMatch, type VectorMetadata, type VectorQuery, type VectorRecord, VectorIndexError } from "./vector-index";

/** Vectorize's limits for a Workers binding (developers.cloudflare.com/vectorize/platform/limits). */
export const VECTORIZE_LIMITS = {
  upsertBatch: 1000,
  getByIdsBatch: 20,
  deleteBatch: 1000,
  namespaceBytes: 64,
} as const;

/** The calls of the Vectorize binding the adapter makes; `env.VECTORIZE` satisfies it, and so does the test fake. */
export interface VectorizeBinding {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  query(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
  getByIds(ids: string[]): Promise<VectorizeVector[]>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

// Where the adapter keeps a namespace it had to shorten, so getByIds can give it back. `_sy_` keys are
// reserved for Switchyard (src/memory/schemas.ts), so no user metadata collides with it.
const NAMESPACE_KEY = "_sy_namespace";
const ENCODED_PREFIX = "~";

/**
 * Production: the VectorIndex over a Vectorize binding. Thin on purpose; it adds only what Vectorize
 * needs from a caller: batches within its limits (upserts by 1000, reads by 20, deletes by 1000), topK
 * capped at 100 (its limit when neither values nor metadata are returned), and namespaces longer than its
 * 64 bytes (agent ids may have 128 characters) mapped to a SHA-256 name, the original kept in metadata.
 *
 * What it cannot hide: Vectorize applies mutations asynchronously (a write is queryable seconds later), and
 * it filters only on fields that have a metadata index (`wrangler vectorize create-metadata-index`, at most
 * 10 per index, created before the vectors are written).
 */
export class VectorizeVectorIndex implements VectorIndex {
  /**
   * @param filterableFields the metadata fields that have a Vectorize metadata index. A filter on any other
   * field would match nothing in Vectorize, so those conditions are left to the caller's exact re-check.
   */
  constructor(
    private readonly vectorize: VectorizeBinding,
    private readonly filterableFields?: ReadonlySet<string>,
  ) {}

  async upsert(vectors: VectorRecord[]): Promise<{ count: number }> {
    const records = lastWriteWins(vectors);
    records.forEach(checkRecord);
    const prepared = await Promise.all(records.map((r) => this.toVectorize(r)));
    for (let i = 0; i < prepared.length; i += VECTORIZE_LIMITS.upsertBatch) {
      await this.call("upsert", () => this.vectorize.upsert(prepared.slice(i, i + VECTORIZE_LIMITS.upsertBatch)));
    }
    return { count: records.length };
  }

  async query(vector: Float32Array | number[], options: VectorQuery): Promise<{ matches: VectorMatch[]; count: number }> {
    checkQueryVector(vector);
    compileFilter(options.filter); // refuses what the contract does not have, before Vectorize reads it otherwise
    const topK = effectiveTopK(options.topK);
    if (topK === 0) return { matches: [], count: 0 };
    const query: VectorizeQueryOptions = { topK, returnValues: false, returnMetadata: "none" };
    if (options.namespace !== undefined) query.namespace = await vectorizeNamespace(options.namespace);
    const filter = this.indexedPart(options.filter);
    if (filter) query.filter = toVectorizeFilter(filter);
    const answer = await this.call("query", () => this.vectorize.query(vector, query));
    const matches = answer.matches
      .map((m): VectorMatch => {
        // The caller's own name for the namespace it asked about; a shortened one is all a whole-index query knows.
        const namespace = options.namespace ?? m.namespace;
        return namespace === undefined ? { id: m.id, score: m.score } : { id: m.id, score: m.score, namespace };
      })
      .sort(byScoreThenId);
    return { matches, count: matches.length };
  }

  async getByIds(ids: string[]): Promise<VectorRecord[]> {
    const distinct = [...new Set(ids)];
    const batches: string[][] = [];
    for (let i = 0; i < distinct.length; i += VECTORIZE_LIMITS.getByIdsBatch) batches.push(distinct.slice(i, i + VECTORIZE_LIMITS.getByIdsBatch));
    const found = new Map<string, VectorRecord>();
    for (const answer of await Promise.all(batches.map((batch) => this.call("getByIds", () => this.vectorize.getByIds(batch))))) {
      for (const v of answer) found.set(v.id, fromVectorize(v));
    }
    return distinct.flatMap((id) => found.get(id) ?? []);
  }

  async deleteByIds(ids: string[]): Promise<{ count: number }> {
    const distinct = [...new Set(ids)];
    for (let i = 0; i < distinct.length; i += VECTORIZE_LIMITS.deleteBatch) {
      await this.call("deleteByIds", () => this.vectorize.deleteByIds(distinct.slice(i, i + VECTORIZE_LIMITS.deleteBatch)));
    }
    // Vectorize (v2) answers a mutation id, not which ids existed: the count is of ids processed.
    return { count: distinct.length };
  }

  private indexedPart(filter: VectorFilter | undefined): VectorFilter | undefined {
    if (!filter) return undefined;
    const fields = this.filterableFields;
    const kept = Object.entries(filter).filter(([field]) => fields === undefined || fields.has(field));
    return kept.length ? Object.fromEntries(kept) : undefined;
  }

  private async toVectorize(record: VectorRecord): Promise<VectorizeVector> {
    const out: VectorizeVector = { id: record.id, values: record.values };
    let metadata: VectorMetadata | undefined = record.metadata;
    if (record.namespace !== undefined) {
      out.namespace = await vectorizeNamespace(record.namespace);
      if (out.namespace !== record.namespace) metadata = { ...metadata, [NAMESPACE_KEY]: record.namespace };
    }
    // Vectorize stores JSON metadata; its type leaves out null, which its filters nonetheless compare ($eq: null).
    if (metadata !== undefined) out.metadata = metadata as Record<string, VectorizeVectorMetadata>;
    return out;
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new VectorIndexError(`Vectorize ${operation} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

function fromVectorize(v: VectorizeVector): VectorRecord {
  const record: VectorRecord = { id: v.id, values: Array.from(v.values) };
  const metadata = { ...(v.metadata as VectorMetadata | undefined) };
  const original = metadata[NAMESPACE_KEY];
  delete metadata[NAMESPACE_KEY];
  const namespace = typeof original === "string" ? original : v.namespace;
  if (namespace !== undefined) record.namespace = namespace;
  // Metadata that held only the shortened namespace was not the caller's.
  if (v.metadata !== undefined && (original === undefined || Object.keys(metadata).length > 0)) record.metadata = metadata;
  return record;
}

/** The contract's filter is Vectorize's filter language; only the types differ (Vectorize's leave out null in lists). */
function toVectorizeFilter(filter: VectorFilter): VectorizeVectorMetadataFilter {
  return filter as VectorizeVectorMetadataFilter;
}

const utf8 = new TextEncoder();

/**
 * A namespace as Vectorize can hold it: unchanged when it fits in 64 bytes, else "~" and 40 hex digits of
 * its SHA-256 (names starting with "~" are hashed too, so no name can pose as another's hash).
 */
export async function vectorizeNamespace(namespace: string): Promise<string> {
  const bytes = utf8.encode(namespace);
  if (bytes.byteLength <= VECTORIZE_LIMITS.namespaceBytes && !namespace.startsWith(ENCODED_PREFIX)) return namespace;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const byte of digest.subarray(0, 20)) hex += byte.toString(16).padStart(2, "0");
  return ENCODED_PREFIX + hex;
}
