import { isoNow } from "../lib/time";
import { indexFilter } from "./index-metadata";
import { keywordRanking } from "./keyword-ranking";
import { type MemoryConstraints, type MemoryRow, constraintsSql, memoryJson, rowsByIds } from "./memory-rows";
import { embedQuery, indexOrUnavailable, type MemoryServices } from "./memory-writes";
import type { MemoryFilter, SearchResult } from "./schemas";

export type SearchMode = "hybrid" | "vector" | "keyword";

export interface SearchInput {
  namespaces: string[];
  query: string;
  topK: number;
  mode: SearchMode;
  filter?: MemoryFilter;
  minScore?: number;
  minImportance?: number;
  memoryTypes?: string[];
}

/** How much each ranking counts in hybrid mode (documented in docs/memory.md and the OpenAPI schema). */
export const HYBRID_WEIGHTS = { vector: 0.8, keyword: 0.2 } as const;

/** A memory one ranking or both found; a score is undefined where its ranking did not find it. */
interface Candidate {
  row: MemoryRow;
  vector?: number;
  keyword?: number;
}

/** Each leg looks deeper than top_k so that fusion can promote what one ranking alone placed lower. */
const candidateDepth = (topK: number) => Math.min(100, Math.max(topK * 3, 30));

/**
 * Vector, keyword or hybrid search. Vector similarity is the cosine from the index; keyword relevance is
 * BM25 relative to the best keyword match of this query; hybrid blends the two rankings (see `scorer`), so
 * every score of one result list is on one 0..1 scale. Rows are always re-read from D1 under the full
 * constraints (namespace, expiry, filter, type, importance), so no leg can leak a memory it should not.
 */
export async function searchMemories(s: MemoryServices, input: SearchInput): Promise<{ results: SearchResult[]; ids: string[] }> {
  const now = isoNow();
  const constraints: MemoryConstraints = {
    namespaces: input.namespaces,
    filter: input.filter,
    minImportance: input.minImportance,
    memoryTypes: input.memoryTypes,
    now,
  };
  const depth = candidateDepth(input.topK);
  // The keyword leg does not wait for the embedding (a network call to Workers AI in production).
  const [vectorHits, keywordHits] = await Promise.all([
    input.mode === "keyword" ? new Map<string, number>() : embedQuery(s.embedder, input.query).then((v) => vectorLeg(s, input, v, depth)),
    input.mode === "vector" ? [] : keywordRanking(s.db, input.query, constraints, depth),
  ]);

  const candidates = new Map<string, Candidate>();
  const best = keywordHits[0]?.relevance ?? 0;
  for (const hit of keywordHits) {
    candidates.set(hit.row.memoryId, { row: hit.row, keyword: best > 0 ? hit.relevance / best : 0 });
  }
  const vectorOnly = [...vectorHits.keys()].filter((id) => !candidates.has(id));
  for (const row of await rowsByIds(s.db, vectorOnly, constraints)) candidates.set(row.memoryId, { row });
  for (const [id, c] of candidates) c.vector = vectorHits.get(id);

  const all = [...candidates.values()];
  const score = scorer(input.mode, all);
  const scored = all.map((c) => ({ row: c.row, score: score(c) }));
  const results = scored
    .filter((r) => input.minScore === undefined || r.score >= input.minScore)
    .sort((a, b) => b.score - a.score || (a.row.memoryId < b.row.memoryId ? 1 : -1))
    .slice(0, input.topK)
    .map(({ row, score }) => {
      const { memory_id, agent_id, content, metadata, memory_type, importance, created_at } = memoryJson(row);
      return { memory_id, agent_id, content, metadata, memory_type, importance, score: round(score), created_at };
    });
  return { results, ids: results.map((r) => r.memory_id) };
}

/**
 * Hybrid fusion standardises each ranking over this query's candidates (z-scores), so that neither scale
 * dominates: cosines bunch within a few hundredths while BM25 spreads widely. A candidate one ranking did
 * not find counts as that ranking's weakest find (each ranking looked deeper than top_k, so it is at most
 * that good). The blend goes through a logistic to land in 0..1.
 */
function scorer(mode: SearchMode, candidates: Candidate[]): (c: Candidate) => number {
  if (mode === "vector") return (c) => c.vector ?? 0;
  if (mode === "keyword") return (c) => c.keyword ?? 0;
  const vector = ranking(candidates.map((c) => c.vector));
  const keyword = ranking(candidates.map((c) => c.keyword));
  return (c) => logistic(HYBRID_WEIGHTS.vector * vector(c.vector) + HYBRID_WEIGHTS.keyword * keyword(c.keyword));
}

/** One ranking's scores as z-scores over its finds; a missing score is the weakest find's. */
function ranking(scores: (number | undefined)[]): (score: number | undefined) => number {
  const found = scores.filter((x): x is number => x !== undefined);
  const weakest = found.length ? Math.min(...found) : 0;
  const z = standardiser(found);
  return (score) => z(score ?? weakest);
}

function standardiser(values: number[]): (x: number) => number {
  if (values.length < 2) return () => 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return sd > 0 ? (x) => (x - mean) / sd : () => 0;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

const round = (score: number) => Math.round(score * 1e6) / 1e6;
const clampUnit = (x: number) => Math.min(1, Math.max(0, x));

async function vectorLeg(s: MemoryServices, input: SearchInput, vector: Float32Array, depth: number): Promise<Map<string, number>> {
  const filter = indexFilter(input.filter, input.memoryTypes, input.minImportance);
  const answers = await Promise.all(
    input.namespaces.map((namespace) => indexOrUnavailable(() => s.index.query(vector, { topK: depth, namespace, ...(filter ? { filter } : {}) }))),
  );
  const hits = new Map<string, number>();
  for (const answer of answers) for (const m of answer.matches) hits.set(m.id, clampUnit(m.score));
  return hits;
}
