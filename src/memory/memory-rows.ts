import { type SQL, and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { memories } from "../db/schema";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { decodeCursor, page } from "../lib/cursor";
import { metadataFilterSql } from "./metadata-filter-sql";
import type { Memory, MemoryFilter } from "./schemas";

export type MemoryRow = typeof memories.$inferSelect;

export function memoryJson(row: MemoryRow): Memory {
  return {
    memory_id: row.memoryId,
    agent_id: row.agentId,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Memory["metadata"],
    memory_type: row.memoryType,
    importance: row.importance,
    created_by: row.createdBy,
    created_at: row.createdAt,
    expires_at: row.expiresAt,
    access_count: row.accessCount,
    last_accessed_at: row.lastAccessedAt,
  };
}

/**
 * `column IN (ids)` with one bound parameter however many ids there are: D1 allows 100 bound parameters a
 * statement, and a search's candidates, the filter's values and the namespaces can add up past that.
 */
export const inList = (column: SQLiteColumn | SQL, ids: readonly string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** Memories past their TTL are never returned, even before the cron purges them. */
export const notExpired = (now: string) => or(isNull(memories.expiresAt), gt(memories.expiresAt, now));

export interface MemoryConstraints {
  namespaces: string[];
  filter?: MemoryFilter;
  minImportance?: number;
  memoryTypes?: string[];
  now: string;
}

/**
 * Everything a search or list must hold to, as one WHERE clause. With `byId`, the rows are picked by id:
 * the namespace test is then written so SQLite cannot use the namespace index for it (a unary `+`),
 * which it would otherwise prefer, scanning the whole namespace instead of looking the ids up.
 */
export function constraintsSql(c: MemoryConstraints, byId = false): SQL | undefined {
  const namespace = byId ? sql`+${memories.agentId}` : memories.agentId;
  return and(
    c.namespaces.length === 1 ? sql`${namespace} = ${c.namespaces[0]!}` : inList(namespace, c.namespaces),
    notExpired(c.now),
    c.filter ? metadataFilterSql(memories.metadata, c.filter) : undefined,
    c.minImportance !== undefined ? sql`${memories.importance} >= ${c.minImportance}` : undefined,
    c.memoryTypes?.length ? inList(memories.memoryType, c.memoryTypes) : undefined,
  );
}

export async function findLiveMemory(db: Database, memoryId: string, now: string): Promise<MemoryRow | undefined> {
  const [row] = await db.select().from(memories).where(and(eq(memories.memoryId, memoryId), notExpired(now)));
  return row;
}

export async function rowsByIds(db: Database, ids: string[], constraints: MemoryConstraints): Promise<MemoryRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(memories).where(and(inList(memories.memoryId, ids), constraintsSql(constraints, true)));
}

/** Newest first: ids sort by creation time. */
export async function listMemories(db: Database, constraints: MemoryConstraints, limit: number, cursor?: string) {
  const before = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(memories)
    .where(and(constraintsSql(constraints), before === undefined ? undefined : lt(memories.memoryId, before)))
    .orderBy(desc(memories.memoryId))
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.memoryId);
  return { items: result.items.map(memoryJson), next_cursor: result.next_cursor };
}
