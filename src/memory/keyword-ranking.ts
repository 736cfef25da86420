import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { memoryFts } from "../db/fts";
import { memories } from "../db/schema";
import { keywordQuery } from "./keyword-query";
import { type MemoryConstraints, type MemoryRow, constraintsSql } from "./memory-rows";

export interface KeywordHit {
  row: MemoryRow;
  /** Negated BM25: higher is better. */
  relevance: number;
}

/** How many of FTS5's best matches the first query reads, per candidate wanted. */
export const KEYWORD_OVERREAD = 2;

// bm25() is lower for better matches; negated it is a positive relevance.
const bm25 = sql`bm25(_memory_fts)`;

/**
 * The `depth` best BM25 matches of the question among the memories the constraints allow, best first.
 *
 * FTS5 scores every row that matches any of the question's words (thousands in a large namespace), and
 * joining each to its memory row before sorting cost more than the scoring. So the first query ranks
 * inside FTS5 alone, keeps its best `KEYWORD_OVERREAD × depth`, and only those are joined to their rows
 * and checked against the constraints. When enough
 * of them pass, they are exactly the best that pass: every match it did not read ranks below them. When
 * too few pass (other namespaces' or filtered-out memories took the places), a second query ranks every
 * match against the constraints, as before.
 */
export async function keywordRanking(db: Database, question: string, constraints: MemoryConstraints, depth: number): Promise<KeywordHit[]> {
  const match = keywordQuery(question);
  if (!match) return [];
  const bound = depth * KEYWORD_OVERREAD;
  const best = db
    .select({ memoryId: memoryFts.memoryId, relevance: sql<number>`-${bm25}`.as("relevance") })
    .from(memoryFts)
    .where(sql`_memory_fts MATCH ${match}`)
    .orderBy(bm25)
    .limit(bound)
    .as("best");
  const read = await db
    .select({ row: memories, relevance: best.relevance })
    .from(best)
    .leftJoin(memories, and(eq(memories.memoryId, best.memoryId), constraintsSql(constraints, true)))
    .orderBy(desc(best.relevance));
  const hits = read.flatMap(({ row, relevance }) => (row ? [{ row, relevance }] : []));
  if (hits.length >= depth || read.length < bound) return hits.slice(0, depth);
  return everyMatch(db, match, constraints, depth);
}

/** Ranks every match that the constraints allow: exact whatever share of the matches they allow. */
function everyMatch(db: Database, match: string, constraints: MemoryConstraints, depth: number): Promise<KeywordHit[]> {
  const relevance = sql<number>`-${bm25}`;
  return db
    .select({ row: memories, relevance })
    .from(memoryFts)
    .innerJoin(memories, eq(memories.memoryId, memoryFts.memoryId))
    .where(and(sql`_memory_fts MATCH ${match}`, constraintsSql(constraints)))
    .orderBy(desc(relevance))
    .limit(depth);
}
