import { vectorIndexProvider, vectorizeFilterFields } from "../../config";
import { LocalVectorIndex } from "./local-vector-index";
import type { VectorIndex } from "./vector-index";
import { VectorizeVectorIndex } from "./vectorize-index";

export { MAX_QUERY_TOP_K, type VectorFilter, type VectorIndex, VectorIndexError, type VectorMatch, type VectorMetadata, type VectorQuery, type VectorRecord } from "./vector-index";

/** The vector index this deployment is configured with: VECTOR_INDEX="vectorize" (the default) or "local". */
export function vectorIndexFor(env: Env): VectorIndex {
  if (vectorIndexProvider(env) === "local") return new LocalVectorIndex(env.VECTOR_SHARD);
  return new VectorizeVectorIndex(env.VECTORIZE, vectorizeFilterFields(env));
}
