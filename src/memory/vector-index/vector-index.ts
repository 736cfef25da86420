/**
 * The vector index, shaped like Cloudflare Vectorize so that the production adapter is thin and the
 * local index can be held to the same contract. Scores are cosine similarities.
 */
export type VectorMetadataValue = string | number | boolean | null;
export type VectorMetadata = Record<string, VectorMetadataValue>;

/** Vectorize's filter language: a field equals a value, or `{$eq|$ne|$in|$nin|$gt|$gte|$lt|$lte: …}`. */
export type FilterOperator = "$eq" | "$ne" | "$in" | "$nin" | "$gt" | "$gte" | "$lt" | "$lte";
export type FilterCondition = VectorMetadataValue | Partial<Record<FilterOperator, VectorMetadataValue | VectorMetadataValue[]>>;
export type VectorFilter = Record<string, FilterCondition>;

/** Vectorize answers at most this many matches per query (when it returns neither values nor all metadata). */
export const MAX_QUERY_TOP_K = 100;

export interface VectorRecord {
  id: string;
  values: Float32Array | number[];
  namespace?: string;
  metadata?: VectorMetadata;
}

export interface VectorQuery {
  /** At most MAX_QUERY_TOP_K matches are returned (Vectorize refuses more); below 1, none. */
  topK: number;
  /** Only vectors stored under this namespace; without it, the whole index is searched (as in Vectorize). */
  namespace?: string;
  filter?: VectorFilter;
}

export interface VectorMatch {
  id: string;
  score: number;
  namespace?: string;
}

export interface VectorIndex {
  /**
   * Inserts or replaces by id (values, namespace and metadata all replaced; ids are unique across
   * namespaces). The last of repeated ids wins. `count` is the number of distinct ids written.
   */
  upsert(vectors: VectorRecord[]): Promise<{ count: number }>;
  /**
   * The topK nearest (highest cosine similarity first, ties by id) within the namespace, among vectors
   * matching the filter (src/memory/metadata-filter.ts states its rules).
   */
  query(vector: Float32Array | number[], options: VectorQuery): Promise<{ matches: VectorMatch[]; count: number }>;
  /** The stored vectors with these ids, in the order asked, each once; unknown ids are left out. */
  getByIds(ids: string[]): Promise<VectorRecord[]>;
  /** `count` is the number of distinct ids processed: Vectorize does not report which of them existed. */
  deleteByIds(ids: string[]): Promise<{ count: number }>;
}

/** The index refused a call (a malformed vector or filter) or its backend failed; `cause` holds the backend's error. */
export class VectorIndexError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VectorIndexError";
  }
}
