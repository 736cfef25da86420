import { EMBEDDING_DIMENSIONS } from "../embeddings/embedder";
import { MAX_QUERY_TOP_K, type VectorMetadata, type VectorRecord, VectorIndexError } from "./vector-index";

/** Vectorize refuses longer ids; the local index holds to the same limit so development finds them first. */
export const MAX_VECTOR_ID_BYTES = 64;

const utf8 = new TextEncoder();

/**
 * Refuses what either index would refuse, with a message that says what to fix: an empty or over-long
 * id, a vector of the wrong size, a value that is not a finite number, a zero vector (it has no direction,
 * so no cosine), metadata that is not flat JSON scalars.
 */
export function checkRecord(record: VectorRecord): void {
  if (typeof record.id !== "string" || record.id.length === 0) throw new VectorIndexError("A vector needs a non-empty string id.");
  if (utf8.encode(record.id).byteLength > MAX_VECTOR_ID_BYTES) {
    throw new VectorIndexError(`Vector id '${record.id.slice(0, 80)}' is longer than ${MAX_VECTOR_ID_BYTES} bytes.`);
  }
  if (record.namespace !== undefined && typeof record.namespace !== "string") {
    throw new VectorIndexError(`Vector '${record.id}' has a namespace that is not a string.`);
  }
  checkValues(record.values, `vector '${record.id}'`);
  if (record.metadata !== undefined) checkMetadata(record.metadata, record.id);
}

export function checkQueryVector(values: Float32Array | number[]): void {
  checkValues(values, "the query vector");
}

function checkValues(values: Float32Array | number[], what: string): void {
  if (!(values instanceof Float32Array) && !Array.isArray(values)) throw new VectorIndexError(`${capitalise(what)} must be a Float32Array or an array of numbers.`);
  if (values.length !== EMBEDDING_DIMENSIONS) {
    throw new VectorIndexError(`${capitalise(what)} has ${values.length} dimensions; the index holds ${EMBEDDING_DIMENSIONS}.`);
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new VectorIndexError(`${capitalise(what)} has a value at ${i} that is not a finite number.`);
    // As stored: float32, where 1e-50 is already 0.
    sum += Math.fround(x) ** 2;
  }
  if (sum === 0) throw new VectorIndexError(`${capitalise(what)} is all zeros, which has no direction to compare by cosine.`);
}

function checkMetadata(metadata: VectorMetadata, id: string): void {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new VectorIndexError(`Vector '${id}' has metadata that is not an object.`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    const scalar = value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    if (!scalar) throw new VectorIndexError(`Vector '${id}' has metadata '${key}' that is not a string, finite number, boolean or null.`);
  }
}

/** topK as both indexes take it: whole, at most MAX_QUERY_TOP_K (Vectorize's cap), and 0 for "nothing". */
export function effectiveTopK(topK: number): number {
  if (!Number.isFinite(topK) || topK < 1) return 0;
  return Math.min(MAX_QUERY_TOP_K, Math.floor(topK));
}

/** The given vectors with each id once, the last occurrence winning, as an upsert applies them. */
export function lastWriteWins(records: readonly VectorRecord[]): VectorRecord[] {
  const byId = new Map<string, VectorRecord>();
  for (const record of records) {
    byId.delete(record.id);
    byId.set(record.id, record);
  }
  return [...byId.values()];
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
