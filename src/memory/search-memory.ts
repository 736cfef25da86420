import { and, desc, eq, sql } from "drizzle-orm";
import { memoryFts } from "../db/fts";
import { memories } from "../db/schema";
import { isoNow } from "../lib/time";
import { indexFilter } from "./index-metadata";
import { keywordQuery } from "./keyword-query";
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
export const HYBRID_WEIGHTS = { vector: 0.7, keyword: 0.3 } as const;

interface Candidate {
  row: MemoryRow;
  vector: number;
  /** Undefined when the keyword ranking did not find it. */
  keyword?: number;
}

/** Each leg looks deeper than top_k so that fusion can promote what one ranking alone placed lower. */
const candidateDepth = (topK: number) => Math.min(100, Math.max(topK * 3, 30));

/**
 * Vector, keyword or hybrid search. Vector similarity is the cosine from the index; keyword relevance is
 * BM25 relative to the best keyword match of this query; hybrid blends them with HYBRID_WEIGHTS, so every
 * score of one result list is on one 0..1 scale. Rows are always re-read from D1 under the full
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
  const embedding = input.mode === "keyword" ? undefined : embedQuery(s.embedder, input.query);
  const [[queryVector, vectorHits], keywordHits] = await Promise.all([
    embedding ? embedding.then(async (v) => [v, await vectorLeg(s, input, v, depth)] as const) : ([undefined, new Map<string, number>()] as const),
    input.mode === "vector" ? [] : keywordLeg(s, input.query, constraints, depth),
  ]);

  const candidates = new Map<string, Candidate>();
  const best = keywordHits[0]?.relevance ?? 0;
  for (const hit of keywordHits) {
    candidates.set(hit.row.memoryId, { row: hit.row, vector: 0, keyword: best > 0 ? hit.relevance / best : 0 });
  }
  // The rows of vector-only finds and the cosines of keyword-only finds are independent reads: one round.
  const vectorOnly = [...vectorHits.keys()].filter((id) => !candidates.has(id));
  const [vectorOnlyRows] = await Promise.all([
    rowsByIds(s.db, vectorOnly, constraints),
    queryVector ? scoreVectors(s, candidates, vectorHits, queryVector) : undefined,
  ]);
  for (const row of vectorOnlyRows) candidates.set(row.memoryId, { row, vector: vectorHits.get(row.memoryId) ?? 0 });

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
 * dominates: cosines bunch within a few hundredths while BM25 spreads widely. A candidate the keyword
 * ranking missed counts as its weakest keyword match. The blend goes through a logistic to land in 0..1.
 */
function scorer(mode: SearchMode, candidates: Candidate[]): (c: Candidate) => number {
  if (mode === "vector") return (c) => c.vector;
  if (mode === "keyword") return (c) => c.keyword ?? 0;
  const keywordHits = candidates.flatMap((c) => (c.keyword === undefined ? [] : [c.keyword]));
  const weakestKeyword = keywordHits.length ? Math.min(...keywordHits) : 0;
  const zVector = standardiser(candidates.map((c) => c.vector));
  const zKeyword = standardiser(keywordHits);
  return (c) => logistic(HYBRID_WEIGHTS.vector * zVector(c.vector) + HYBRID_WEIGHTS.keyword * zKeyword(c.keyword ?? weakestKeyword));
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

async function keywordLeg(s: MemoryServices, query: string, constraints: MemoryConstraints, depth: number) {
  const match = keywordQuery(query);
  if (!match) return [];
  // bm25() is lower for better matches; negated it is a positive relevance.
  const relevance = sql<number>`-bm25(_memory_fts)`;
  return s.db
    .select({ row: memories, relevance })
    .from(memoryFts)
    .innerJoin(memories, eq(memories.memoryId, memoryFts.memoryId))
    .where(and(sql`_memory_fts MATCH ${match}`, constraintsSql(constraints)))
    .orderBy(desc(relevance))
    .limit(depth);
}

/** Cosine for every candidate: from the index's answer, or computed from its stored vector for keyword-only finds. */
async function scoreVectors(s: MemoryServices, candidates: Map<string, Candidate>, hits: Map<string, number>, query: Float32Array) {
  const missing: string[] = [];
  for (const [id, c] of candidates) {
    const score = hits.get(id);
    if (score === undefined) missing.push(id);
    else c.vector = score;
  }
  if (!missing.length) return;
  for (const record of await s.index.getByIds(missing)) {
    const c = candidates.get(record.id);
    if (c) c.vector = clampUnit(dot(query, record.values));
  }
}

function dot(a: Float32Array, b: Float32Array | number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * (b[i] ?? 0);
  return sum;
}
