import { startRunOnce } from "../lifecycle/start-once";
import { startTokens } from "../runs/catalog-version";
import type { Json } from "../workflows/definition/types";
import { unstartedRuns } from "./event-store";
import { startEventRun } from "./publish";

// The cron's half of "an event that matched starts its run": a claim is written before its runs start,
// so a request whose isolate died in between (or whose start failed for a passing reason) leaves
// decisions with a run id and no run. Each is started here with the same id, which makes a start the
// request did make after all a no-op.

/** How long a decision is left to the request that made it. */
const GRACE_SECONDS = 30;
/** After this long a run that could not be started is given up on (its decision keeps saying it matched). */
const GIVE_UP_SECONDS = 24 * 3600;
const BATCH = 50;

export async function startUnstartedRuns(env: Env): Promise<number> {
  const now = Date.now();
  const rows = await unstartedRuns(env.DB, new Date(now - GRACE_SECONDS * 1000).toISOString(), new Date(now - GIVE_UP_SECONDS * 1000).toISOString(), BATCH);
  let started = 0;
  const tokens = rows.length > 0 ? await startTokens(env.DB) : {};
  for (const row of rows) {
    const event = { event_id: row.event_id, type: row.type, source: row.source, data: JSON.parse(row.data) as Json, time: row.time, depth: row.depth };
    const matched = row.run_matched === null ? null : (JSON.parse(row.run_matched) as Record<string, number[]>);
    if (await startEventRun(env, event, { workflow: row.workflow, revision: row.revision, run_id: row.run_id, run_matched: matched }, { publishedBy: row.published_by, ...tokens }, startRunOnce)) started++;
  }
  return started;
}
