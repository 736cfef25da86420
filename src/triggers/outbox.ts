import { sql } from "drizzle-orm";
import { type Database, database } from "../db/client";
import { triggerOutbox } from "../db/schema";
import { embedderFor } from "../memory/embeddings";
import { dispatchFiring } from "./dispatch";
import { claimFiring, type Firing } from "./firing";
import { creatorsMayRead } from "./listener-access";
import { activeTriggers } from "./trigger-cache";

/** A memory just stored, with what matching needs: its vector is in hand, so nothing is embedded twice. */
export interface StoredForMatching {
  memoryId: string;
  namespace: string;
  vector: Float32Array;
  /** The trigger definition version the store's transaction saw. */
  triggerVersion: number;
}

/**
 * For the store's own D1 batch: one outbox row per memory, written only while some trigger is enabled
 * (so stores cost nothing extra when no one listens), each carrying the definition version of that same
 * transaction. Its RETURNING rows say which memories must be matched.
 */
export function outboxInsert(db: Database, memories: Array<{ memoryId: string; agentId: string }>, now: string) {
  const refs = JSON.stringify(memories.map((m) => [m.memoryId, m.agentId]));
  return db
    .insert(triggerOutbox)
    .select(
      sql`SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), v.version, ${now}
            FROM json_each(${refs}) j, _trigger_version v
           WHERE v.id = 1 AND EXISTS (SELECT 1 FROM _triggers WHERE enabled = 1)`,
    )
    .returning({ memoryId: triggerOutbox.memoryId, triggerVersion: triggerOutbox.triggerVersion });
}

/**
 * Matches stored memories against the enabled triggers, fires what matched (cooldown permitting), carries
 * out the actions, then removes the outbox rows. Runs after the store's response (waitUntil); whatever it
 * does not finish, the cron's sweep does (sweepTriggerOutbox), and every step may safely run twice.
 */
export async function matchStoredMemories(env: Env, stored: StoredForMatching[], model: string): Promise<Firing[]> {
  if (stored.length === 0) return [];
  const version = Math.max(...stored.map((s) => s.triggerVersion));
  const set = await activeTriggers(env.DB, version);
  const matched = stored.flatMap((memory) => set.match(memory.vector, memory.namespace, model).map((match) => ({ match, memory })));
  // A trigger listens only to what its creator may read, decided now: a private namespace's memories
  // never reach another agent's trigger (not even its id and score), whatever `namespaces` says.
  const readable = await creatorsMayRead(
    database(env),
    matched.map(({ match, memory }) => ({ creator: match.trigger.createdBy, namespace: memory.namespace })),
  );
  const claims = matched
    .filter(({ match, memory }) => readable({ creator: match.trigger.createdBy, namespace: memory.namespace }))
    .map(({ match, memory }) => claimFiring(env.DB, match, memory));
  const firings = (await Promise.all(claims)).filter((f): f is Firing => f !== undefined);
  await Promise.all(firings.map((f) => dispatchFiring(env, f)));
  await env.DB.prepare("DELETE FROM _trigger_outbox WHERE memory_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(stored.map((s) => s.memoryId)))
    .run();
  return firings;
}

/** How long an outbox row is left to the request that wrote it before the cron takes it over. */
const OUTBOX_GRACE_SECONDS = 10;
const SWEEP_BATCH = 100;

/**
 * The cron's half of "never lost": outbox rows the request did not finish (its isolate died, D1 failed),
 * matched again from the memory's content; and recorded firings whose action was never handed over.
 */
export async function sweepTriggerOutbox(env: Env): Promise<{ matched: number; redispatched: number }> {
  const cutoff = new Date(Date.now() - OUTBOX_GRACE_SECONDS * 1000).toISOString();
  const { results: rows } = await env.DB.prepare(
    `SELECT o.memory_id, o.namespace, o.trigger_version, m.content
       FROM _trigger_outbox o LEFT JOIN _memory m ON m.memory_id = o.memory_id
      WHERE o.created_at <= ? ORDER BY o.created_at LIMIT ?`,
  )
    .bind(cutoff, SWEEP_BATCH)
    .all<{ memory_id: string; namespace: string; trigger_version: number; content: string | null }>();
  // A memory deleted since has nothing left to notify about.
  const gone = rows.filter((r) => r.content === null).map((r) => r.memory_id);
  if (gone.length) await env.DB.prepare("DELETE FROM _trigger_outbox WHERE memory_id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(gone)).run();
  const live = rows.filter((r): r is typeof r & { content: string } => r.content !== null);
  if (live.length) {
    const embedder = embedderFor(env);
    const vectors = await embedder.embed(live.map((r) => r.content));
    await matchStoredMemories(
      env,
      live.map((r, i) => ({ memoryId: r.memory_id, namespace: r.namespace, vector: vectors[i]!, triggerVersion: r.trigger_version })),
      embedder.model,
    );
  }
  const redispatched = await redispatchPendingFirings(env, cutoff);
  return { matched: live.length, redispatched };
}

interface PendingFiringRow {
  notification_id: string;
  trigger_id: string;
  trigger_name: string;
  memory_id: string;
  agent_id: string;
  score: number;
  action_type: Firing["actionType"];
  target_agent_id: string | null;
  created_at: string;
  delivery_id: string | null;
  event_type: string | null;
}

async function redispatchPendingFirings(env: Env, cutoff: string): Promise<number> {
  const { results } = await env.DB.prepare(
    `SELECT f.*, d.delivery_id FROM _trigger_firings f LEFT JOIN _webhook_deliveries d ON d.notification_id = f.notification_id
      WHERE f.status = 'pending' AND f.created_at <= ? ORDER BY f.created_at LIMIT ?`,
  )
    .bind(cutoff, SWEEP_BATCH)
    .all<PendingFiringRow>();
  await Promise.all(results.map((r) => dispatchFiring(env, firingFromRow(r))));
  return results.length;
}

export function firingFromRow(r: Omit<PendingFiringRow, "delivery_id" | "event_type"> & { delivery_id?: string | null; event_type?: string | null }): Firing {
  return {
    notification: {
      notification_id: r.notification_id,
      trigger_id: r.trigger_id,
      trigger_name: r.trigger_name,
      source_memory_id: r.memory_id,
      agent_id: r.agent_id,
      score: r.score,
      created_at: r.created_at,
    },
    actionType: r.action_type,
    targetAgentId: r.target_agent_id,
    deliveryId: r.delivery_id ?? null,
    eventType: r.event_type ?? null,
  };
}
