import type { VectorFilter, VectorMetadata } from "./vector-index/vector-index";
import { RESERVED_METADATA_PREFIX } from "./schemas";

// What the vector index keeps beside each vector: the memory's own metadata, plus its type and importance
// under reserved keys, so that filters narrow the nearest-neighbour search itself rather than its results.
const TYPE_KEY = `${RESERVED_METADATA_PREFIX}type`;
const IMPORTANCE_KEY = `${RESERVED_METADATA_PREFIX}importance`;

export function indexMetadata(metadata: VectorMetadata, memoryType: string, importance: number): VectorMetadata {
  return { ...metadata, [TYPE_KEY]: memoryType, [IMPORTANCE_KEY]: importance };
}

export function indexFilter(filter: VectorFilter | undefined, memoryTypes: string[] | undefined, minImportance: number | undefined): VectorFilter | undefined {
  const out: VectorFilter = { ...filter };
  if (memoryTypes?.length) out[TYPE_KEY] = { $in: memoryTypes };
  if (minImportance !== undefined) out[IMPORTANCE_KEY] = { $gte: minImportance };
  return Object.keys(out).length ? out : undefined;
}
