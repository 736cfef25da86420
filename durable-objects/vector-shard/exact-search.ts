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

/**
 * Approximate winners re-scored exactly beyond the topK asked for. A few spare ones usually settle the
 * k-th exact score; the error bounds then name the few others that could still reach it, which are
 * re-scored too. Each re-score reads float32 rows from SQLite, the costliest step after the scan.
 */
export const RESCORE_MARGIN = 8;

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
  const heap = new TopKHeap(Math.min(total, topK + RESCORE_MARGIN));

  const terms = queryTerms(query32);
  for (let s = 0; s < segments.length; s++) {
    scanSegment(segments[s]!, terms, predicate, approximate, offsets[s]!, heap);
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

/**
 * The query's non-zero components, so that the scan can visit only those: a zero component adds exactly 0
 * to every dot product, so skipping it changes no score. The local embedder's short questions touch 30-80
 * of 384 dimensions, so their scan costs a fraction of a full pass. A query with more than half its
 * components non-zero is scanned densely (`dimensions` undefined), which is faster than indirection then.
 */
export interface QueryTerms {
  dimensions: Int32Array | undefined;
  values: Float32Array;
}

export function queryTerms(query: Float32Array): QueryTerms {
  let count = 0;
  for (let j = 0; j < query.length; j++) if (query[j] !== 0) count++;
  if (count * 2 > query.length) return { dimensions: undefined, values: query };
  const dimensions = new Int32Array(count);
  const values = new Float32Array(count);
  let t = 0;
  for (let j = 0; j < query.length; j++) {
    if (query[j] === 0) continue;
    dimensions[t] = j;
    values[t++] = query[j]!;
  }
  return { dimensions, values };
}

function scanSegment(
  segment: Segment,
  query: QueryTerms,
  predicate: MetadataPredicate | undefined,
  approximate: Float64Array,
  offset: number,
  heap: TopKHeap,
): void {
  const { codes, scales, metadata, dimensions } = segment;
  const size = segment.size;
  // Dense, `at` is the identity: one loop serves both, and V8 keeps the branch out of the way.
  const at = query.dimensions;
  const values = query.values;
  const terms = values.length;
  // Four running sums let V8 overlap the multiply-adds; terms beyond the last multiple of 4 go on their own.
  const blocked = terms - (terms % 4);
  // Checked here rather than in heap.offer: almost every vector falls below it, and a call per vector shows.
  let threshold = heap.threshold;
  for (let p = 0; p < size; p++) {
    if (predicate !== undefined && !predicate(metadata[p])) {
      approximate[offset + p] = -Infinity;
      continue;
    }
    const base = p * dimensions;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t = 0;
    if (at === undefined) {
      for (; t < blocked; t += 4) {
        s0 += values[t]! * codes[base + t]!;
        s1 += values[t + 1]! * codes[base + t + 1]!;
        s2 += values[t + 2]! * codes[base + t + 2]!;
        s3 += values[t + 3]! * codes[base + t + 3]!;
      }
      for (; t < terms; t++) s0 += values[t]! * codes[base + t]!;
    } else {
      for (; t < blocked; t += 4) {
        s0 += values[t]! * codes[base + at[t]!]!;
        s1 += values[t + 1]! * codes[base + at[t + 1]!]!;
        s2 += values[t + 2]! * codes[base + at[t + 2]!]!;
        s3 += values[t + 3]! * codes[base + at[t + 3]!]!;
      }
      for (; t < terms; t++) s0 += values[t]! * codes[base + at[t]!]!;
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
