/** Concept vectors are kept in D1 as the raw bytes of their Float32Array (little-endian, as every Worker is). */
export const vectorBytes = (vector: Float32Array): Uint8Array => new Uint8Array(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));

/** D1 hands a BLOB back as an ArrayBuffer or, through some paths, as an array of byte values. */
export function vectorFromBlob(blob: unknown): Float32Array {
  if (blob instanceof ArrayBuffer) return new Float32Array(blob.slice(0));
  if (ArrayBuffer.isView(blob)) return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  if (Array.isArray(blob)) return new Float32Array(Uint8Array.from(blob as number[]).buffer);
  throw new TypeError(`a concept vector should be a BLOB, got ${typeof blob}`);
}

/** Both vectors are unit length (the embedder's promise), so the dot product is the cosine. */
export function cosine(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[bOffset + i]!;
  return dot;
}
