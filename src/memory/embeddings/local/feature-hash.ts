/**
 * Signed feature hashing ("the hashing trick"): a feature's name picks a dimension and a sign, so
 * features that collide in one dimension cancel on average instead of piling up.
 */

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser so every output bit depends on every input bit. */
export function hashFeature(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Adds `weight` to the dimension `name` hashes to among `vector[from..]`, with the sign taken from the
 * hash's top bit.
 */
export function addHashedFeature(vector: Float32Array, name: string, weight: number, from = 0): void {
  const h = hashFeature(name);
  const dimension = from + ((h & 0x7fffffff) % (vector.length - from));
  vector[dimension]! += h & 0x80000000 ? -weight : weight;
}

/** Scales to unit length in place; returns false (leaving zeros) when there is nothing to scale. */
export function normaliseInPlace(vector: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  if (sum === 0) return false;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i]! *= inv;
  return true;
}
