import { dedupeSeconds } from "./publish";

// How long events and their decisions stay readable (GET /v1/events, SQL): EVENT_RETENTION_DAYS, default
// 30, and never less than the de-duplication window (an id must stay taken as long as it is promised to).
// The cron deletes the oldest in bounded slices, so one tick after a long outage cannot hold D1 for long;
// what is left waits for the next minute.

const SLICE = 500;
const SLICES_PER_TICK = 10;

export function retentionSeconds(env: Env): number {
  const days = Number(env.EVENT_RETENTION_DAYS);
  const configured = Number.isFinite(days) && days > 0 ? days * 86_400 : 30 * 86_400;
  return Math.max(configured, dedupeSeconds(env));
}

const OLDEST = "SELECT event_id FROM _events WHERE received_at < ?1 ORDER BY received_at LIMIT ?2";

/** Deletes events received before the retention window, with their decisions; returns how many went. */
export async function purgeExpiredEvents(env: Env, nowMs = Date.now()): Promise<number> {
  const cutoff = new Date(nowMs - retentionSeconds(env) * 1000).toISOString();
  let purged = 0;
  for (let slice = 0; slice < SLICES_PER_TICK; slice++) {
    const [, events] = await env.DB.batch([
      env.DB.prepare(`DELETE FROM _event_decisions WHERE event_id IN (${OLDEST})`).bind(cutoff, SLICE),
      env.DB.prepare(`DELETE FROM _events WHERE event_id IN (${OLDEST})`).bind(cutoff, SLICE),
    ]);
    const deleted = events?.meta.changes ?? 0;
    purged += deleted;
    if (deleted < SLICE) break;
  }
  return purged;
}
