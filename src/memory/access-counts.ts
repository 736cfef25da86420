import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { memories } from "../db/schema";

/**
 * Reads of memories are counted in batches: the first read in a window schedules one write, reads in the
 * next FLUSH_DELAY_MS join it, and one UPDATE then adds every count. A search answers before its count
 * is written either way; batching turns a D1 write per search or get into one per window, which under
 * load is most of what a read costs besides the read itself.
 */
export const FLUSH_DELAY_MS = 100;

type Pending = { reads: number; at: string };

/** This isolate's counts not yet written, by memory id. */
let pending = new Map<string, Pending>();
let scheduled = false;

/**
 * Counts one read of each memory at `now`. The request that opens a window keeps itself alive (through
 * `waitUntil`) until the window's write is done; the others only add to it, so no request waits on
 * another's promise.
 */
export function countReads(db: Database, ids: string[], now: string, waitUntil: (work: Promise<unknown>) => void): void {
  if (ids.length === 0) return;
  for (const id of ids) {
    const counted = pending.get(id);
    pending.set(id, { reads: (counted?.reads ?? 0) + 1, at: now });
  }
  if (scheduled) return;
  scheduled = true;
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS))
      .then(() => {
        const batch = pending;
        pending = new Map();
        scheduled = false;
        return writeReads(db, batch);
      })
      .catch((err) => console.warn("access counts not recorded", err)),
  );
}

/** One statement for the whole window: each memory's reads added, its last read time set. */
async function writeReads(db: Database, batch: Map<string, Pending>): Promise<void> {
  const counts = JSON.stringify([...batch].map(([id, { reads, at }]) => [id, reads, at]));
  await db
    .update(memories)
    .set({ accessCount: sql`${memories.accessCount} + counted.reads`, lastAccessedAt: sql`counted.at` })
    .from(sql`(SELECT value ->> 0 AS id, value ->> 1 AS reads, value ->> 2 AS at FROM json_each(${counts})) AS counted`)
    .where(sql`${memories.memoryId} = counted.id`);
}
