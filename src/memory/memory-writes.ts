import { and, eq, lt, sql } from "drizzle-orm";
import { auditIfChanged, auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { memories } from "../db/schema";
import { ApiError } from "../http/errors";
import { newId } from "../lib/ids";
import { isoAfterSeconds, isoNow } from "../lib/time";
import { outboxInsert, type StoredForMatching } from "../triggers/outbox";
import { EmbeddingError, type Embedder } from "./embeddings/embedder";
import { indexMetadata } from "./index-metadata";
import { inList, type MemoryRow, memoryJson } from "./memory-rows";
import type { Memory, StoreMemory } from "./schemas";
import { type VectorIndex, VectorIndexError } from "./vector-index/vector-index";

type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export interface MemoryServices {
  db: Database;
  embedder: Embedder;
  index: VectorIndex;
  /** Given the stored memories semantic triggers must see; called after the rows commit (see triggers/outbox.ts). */
  afterStore?: (stored: StoredForMatching[], model: string) => void;
}

type StoreInput = Required<Omit<StoreMemory, "ttl_seconds">> & Pick<StoreMemory, "ttl_seconds">;

/**
 * Stores memories so that they are either all fully there (row, keyword entry, vector) or none is. The
 * vectors go first: a vector without a row is invisible to every read, while a row without a vector would
 * be half-searchable. If the rows cannot be written, the vectors are taken back out. Embeddings are made
 * in one batch, the rows and their audit entries written in one D1 batch (one transaction).
 */
export async function storeMemories(s: MemoryServices, inputs: StoreInput[], audit: Audit): Promise<Memory[]> {
  // One instant for created_at and expires_at, so a TTL is exactly expires_at − created_at.
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const rows = inputs.map(
    (input): MemoryRow => ({
      memoryId: newId("mem"),
      agentId: input.agent_id,
      content: input.content,
      metadata: JSON.stringify(input.metadata),
      memoryType: input.memory_type,
      importance: input.importance,
      createdBy: audit.agentId,
      createdAt: now,
      expiresAt: input.ttl_seconds === undefined ? null : isoAfterSeconds(input.ttl_seconds, nowMs),
      accessCount: 0,
      lastAccessedAt: null,
    }),
  );
  const vectors = await embedOrFail(s.embedder, inputs.map((i) => i.content));
  await indexOrUnavailable(() =>
    s.index.upsert(
      rows.map((row, i) => ({
        id: row.memoryId,
        values: vectors[i]!,
        namespace: row.agentId,
        metadata: indexMetadata(inputs[i]!.metadata, row.memoryType, row.importance),
      })),
    ),
  );
  let outboxed: Array<{ memoryId: string; triggerVersion: number }>;
  try {
    // One insert per row: D1 binds at most 100 parameters a statement. The trigger outbox rows commit
    // with the memories, so no stored memory escapes its triggers.
    [outboxed] = await s.db.batch([
      outboxInsert(s.db, rows, now),
      ...rows.flatMap((row) => [
        s.db.insert(memories).values(row),
        auditInsert(s.db, { ...audit, action: "memory:write", resource: `memory:${row.agentId}`, status: "success", details: { memory_id: row.memoryId } }),
      ]),
    ]);
  } catch (err) {
    await s.index.deleteByIds(rows.map((r) => r.memoryId));
    throw err;
  }
  if (outboxed.length && s.afterStore) {
    const byId = new Map(rows.map((row, i) => [row.memoryId, { namespace: row.agentId, vector: vectors[i]! }]));
    s.afterStore(outboxed.map((o) => ({ memoryId: o.memoryId, triggerVersion: o.triggerVersion, ...byId.get(o.memoryId)! })), s.embedder.model);
  }
  return rows.map(memoryJson);
}

export async function storeMemory(s: MemoryServices, input: StoreInput, audit: Audit): Promise<Memory> {
  const [memory] = await storeMemories(s, [input], audit);
  return memory!;
}

async function embedOrFail(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  try {
    return await embedder.embed(texts);
  } catch (err) {
    if (err instanceof EmbeddingError)
      throw new ApiError("unavailable", `The memory could not be embedded, so nothing was stored: ${err.message}. Retry later.`, undefined, { cause: err });
    throw err;
  }
}

/** A vector index that cannot answer is a 503 for the caller, who may retry; nothing was changed. */
export async function indexOrUnavailable<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof VectorIndexError)
      throw new ApiError("unavailable", `The vector index is unavailable (${err.message}); nothing was changed. Retry later.`, undefined, { cause: err });
    throw err;
  }
}

export async function embedQuery(embedder: Embedder, query: string): Promise<Float32Array> {
  const [vector] = await embedOrFail(embedder, [query]);
  return vector!;
}

/** Removes the row, its keyword entry (by trigger) and its vector. */
export async function deleteMemory(s: MemoryServices, row: MemoryRow, audit: Audit): Promise<void> {
  await s.db.batch([
    s.db.delete(memories).where(eq(memories.memoryId, row.memoryId)),
    auditIfChanged(s.db, { ...audit, action: "memory:delete", resource: `memory:${row.agentId}`, status: "success", details: { memory_id: row.memoryId } }),
  ]);
  await s.index.deleteByIds([row.memoryId]);
}

const DELETE_CHUNK = 100;

/** Deletes rows then vectors, a chunk at a time (D1 bounds the variables of one statement). */
async function deleteByIds(s: Pick<MemoryServices, "db" | "index">, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    const chunk = ids.slice(i, i + DELETE_CHUNK);
    await s.db.delete(memories).where(inList(memories.memoryId, chunk));
    await s.index.deleteByIds(chunk);
  }
}

/** `POST /v1/memory/cleanup`: the namespace's memories below the importance threshold (and old enough). */
export async function cleanupMemories(
  s: MemoryServices,
  input: { agent_id: string; min_importance: number; older_than_seconds?: number | undefined },
  audit: Audit,
): Promise<number> {
  const createdBefore = input.older_than_seconds === undefined ? undefined : isoAfterSeconds(-input.older_than_seconds);
  const rows = await s.db
    .select({ memoryId: memories.memoryId })
    .from(memories)
    .where(
      and(
        eq(memories.agentId, input.agent_id),
        lt(memories.importance, input.min_importance),
        createdBefore === undefined ? undefined : sql`${memories.createdAt} <= ${createdBefore}`,
      ),
    );
  const ids = rows.map((r) => r.memoryId);
  await deleteByIds(s, ids);
  await auditInsert(s.db, {
    ...audit,
    action: "memory:delete",
    resource: `memory:${input.agent_id}`,
    status: "success",
    details: { cleanup: true, deleted: ids.length, min_importance: input.min_importance },
  });
  return ids.length;
}

const PURGE_BATCH = 500;

/** Run by the cron: removes memories whose TTL has passed (they were already invisible to reads). */
export async function purgeExpiredMemories(s: Pick<MemoryServices, "db" | "index">): Promise<number> {
  const rows = await s.db
    .select({ memoryId: memories.memoryId })
    .from(memories)
    .where(sql`${memories.expiresAt} IS NOT NULL AND ${memories.expiresAt} <= ${isoNow()}`)
    .limit(PURGE_BATCH);
  await deleteByIds(s, rows.map((r) => r.memoryId));
  return rows.length;
}
