import type { MetadataPredicate } from "../../src/memory/metadata-filter";
import { byScoreThenId } from "../../src/memory/vector-index/match-order";
import { exactCosine } from "./quantise";
import type { Segment } from "./segment";
import { TopKHeap } from "./top-k-heap";

export interface ShardMatch {
  id: string;
  namespace: string | null;
  score: number;
}

export interface SearchRequest {
  /** Unit length, float64. */
  query: Float64Array;
  topK: number;
  /** Undefined when the query has no filter, so the scan skips the call. */
  predicate: MetadataPredicate | undefined;
}

/** Reads the stored float32 vectors of the given SQLite slots. */
export type ExactVectors = (slots: number[]) => Map<number, Float32Array>;

/** At least this many approximate winners are re-scored exactly, whatever topK is. */
export const MIN_RESCORED = 64;
/** …and at least this many per result asked for. */
export const RESCORED_PER_RESULT = 4;

/**
 * Exhaustive search with exact scores. One pass over the int8 codes gives every eligible vector an
 * approximate cosine; the best few are re-scored from their float32 values. Each vector's stored error
 * bound then proves which of the others could still reach the k-th exact score, and those are re-scored
 * too (few, unless many vectors are all but tied). So the answer is exactly what a brute-force float scan
 * would return, at the cost of an int8 scan plus a few dozen row reads.
 */
export function searchExact(segments: readonly Segment[], request: SearchRequest, exactVectors: ExactVectors): ShardMatch[] {
  const { query, topK, predicate } = request;
  if (topK < 1 || segments.length === 0) return [];
  const dimensions = query.length;

  // The scan multiplies float32 (fast in V8); how far that rounding moves the query enters the bound.
  const query32 = Float32Array.from(query);
  let drift = 0;
  for (let i = 0; i < dimensions; i++) drift += (query32[i]! - query[i]!) ** 2;
  drift = Math.sqrt(drift);

  const offsets: number[] = [];
  let total = 0;
  for (const segment of segments) {
    offsets.push(total);
    total += segment.size;
  }
  // Approximate score per vector across all segments; -Infinity for filtered out or already re-scored.
  const approximate = new Float64Array(total);
  const heap = new TopKHeap(Math.min(total, Math.max(MIN_RESCORED, topK * RESCORED_PER_RESULT)));

  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    const offset = offsets[s]!;
    scanSegment(segment, query32, predicate, approximate, offset, heap);
  }

  const candidates = heap.drain().map(({ item }) => item);
  for (const item of candidates) approximate[item] = -Infinity;
  let ranked = rescore(candidates, segments, offsets, query, exactVectors);

  // Everything eligible was a candidate: nothing left to prove.
  if (candidates.length < heap.capacity) return ranked.slice(0, topK);

  const kth = ranked[topK - 1]?.score ?? -Infinity;
  const contenders: number[] = [];
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    const offset = offsets[s]!;
    for (let p = 0; p < segment.size; p++) {
      const approx = approximate[offset + p]!;
      if (approx === -Infinity) continue;
      // |exact − approx| ≤ drift + (1 + drift)·errorBound, plus float64 rounding.
      const slack = drift + (1 + drift) * segment.errorBounds[p]! + 1e-9;
      if (approx + slack >= kth) contenders.push(offset + p);
    }
  }
  if (contenders.length > 0) {
    ranked = ranked.concat(rescore(contenders, segments, offsets, query, exactVectors)).sort(byScoreThenId);
  }
  return ranked.slice(0, topK);
}

function scanSegment(
  segment: Segment,
  query: Float32Array,
  predicate: MetadataPredicate | undefined,
  approximate: Float64Array,
  offset: number,
  heap: TopKHeap,
): void {
  const { codes, scales, metadata, dimensions } = segment;
  const size = segment.size;
  // Checked here rather than in heap.offer: almost every vector falls below it, and a call per vector shows.
  let threshold = heap.threshold;
  for (let p = 0; p < size; p++) {
    if (predicate !== undefined && !predicate(metadata[p])) {
      approximate[offset + p] = -Infinity;
      continue;
    }
    const base = p * dimensions;
    // Four running sums let V8 overlap the multiply-adds; dimensions is a multiple of 4 (384).
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dimensions; j += 4) {
      s0 += query[j]! * codes[base + j]!;
      s1 += query[j + 1]! * codes[base + j + 1]!;
      s2 += query[j + 2]! * codes[base + j + 2]!;
      s3 += query[j + 3]! * codes[base + j + 3]!;
    }
    const score = (s0 + s1 + s2 + s3) * scales[p]!;
    approximate[offset + p] = score;
    if (score > threshold) {
      heap.offer(score, offset + p);
      threshold = heap.threshold;
    }
  }
}

function rescore(items: number[], segments: readonly Segment[], offsets: readonly number[], query: Float64Array, exactVectors: ExactVectors): ShardMatch[] {
  const located = items.map((item) => locate(item, segments, offsets));
  const vectors = exactVectors(located.map(({ segment, position }) => segment.slots[position]!));
  const matches: ShardMatch[] = [];
  for (const { segment, position } of located) {
    const values = vectors.get(segment.slots[position]!);
    // A slot always has its row: memory and SQLite change together, in one synchronous step.
    if (!values) throw new Error(`Vector '${segment.ids[position]}' is in memory but not in storage.`);
    matches.push({ id: segment.ids[position]!, namespace: segment.namespace, score: exactCosine(query, values) });
  }
  return matches.sort(byScoreThenId);
}

function locate(item: number, segments: readonly Segment[], offsets: readonly number[]): { segment: Segment; position: number } {
  // Few segments (namespaces) per shard in practice; a binary search would pay off only with thousands.
  let s = offsets.length - 1;
  while (s > 0 && offsets[s]! > item) s--;
  return { segment: segments[s]!, position: item - offsets[s]! };
}
