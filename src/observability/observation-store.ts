import type { EdgeKind, RunObservation } from "./run-observation";

// The observation rows in D1: written once per finished run, added up over a window when read.

const TABLES = ["_run_observations", "_run_agent_stats", "_run_edges", "_run_task_durations"] as const;

/** One run's rows, replacing any it had (a retried effect writes the same rows again): one atomic batch. */
export async function writeObservation(db: D1Database, o: RunObservation): Promise<void> {
  const statements: D1PreparedStatement[] = TABLES.map((t) => db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).bind(o.run_id));
  statements.push(
    db
      .prepare(
        `INSERT INTO _run_observations (run_id, workflow, revision, status, started_at, ended_at, critical_path_ms, critical_path)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(o.run_id, o.workflow, o.revision, o.status, o.started_at, o.ended_at, Math.round(o.critical_path_ms), JSON.stringify(o.critical_path)),
  );
  // Rows travel as one JSON parameter each (D1 binds at most 100 parameters to a statement).
  if (o.agents.length > 0)
    statements.push(
      db
        .prepare(
          `INSERT INTO _run_agent_stats (run_id, workflow, ended_at, agent_id, versions, tasks, retries, timeouts, failures, critical_path_ms)
           SELECT ?1, ?2, ?3, json_extract(value, '$.agent'), json_extract(value, '$.versions'), json_extract(value, '$.tasks'),
             json_extract(value, '$.retries'), json_extract(value, '$.timeouts'), json_extract(value, '$.failures'),
             CAST(ROUND(json_extract(value, '$.critical_path_ms')) AS INTEGER)
           FROM json_each(?4)`,
        )
        .bind(o.run_id, o.workflow, o.ended_at, JSON.stringify(o.agents.map((a) => ({ ...a, versions: JSON.stringify(a.versions) })))),
    );
  if (o.edges.length > 0)
    statements.push(
      db
        .prepare(
          `INSERT INTO _run_edges (run_id, workflow, ended_at, from_agent, to_agent, kind, count)
           SELECT ?1, ?2, ?3, json_extract(value, '$.from'), json_extract(value, '$.to'), json_extract(value, '$.kind'), json_extract(value, '$.count')
           FROM json_each(?4)`,
        )
        .bind(o.run_id, o.workflow, o.ended_at, JSON.stringify(o.edges)),
    );
  if (o.durations.length > 0)
    statements.push(
      db
        .prepare(
          `INSERT INTO _run_task_durations (task_id, run_id, workflow, ended_at, agent_id, duration_ms)
           SELECT json_extract(value, '$.task_id'), ?1, ?2, ?3, json_extract(value, '$.agent'), CAST(ROUND(json_extract(value, '$.ms')) AS INTEGER)
           FROM json_each(?4)`,
        )
        .bind(o.run_id, o.workflow, o.ended_at, JSON.stringify(o.durations)),
    );
  await db.batch(statements);
}

export interface EdgeTotal {
  from_agent: string;
  to_agent: string;
  kind: EdgeKind;
  count: number;
}

/** Observed edges of a workflow's runs that ended since `since`, with their counts added up. */
export async function edgeTotals(db: D1Database, workflow: string, since: string): Promise<EdgeTotal[]> {
  const { results } = await db
    .prepare(
      `SELECT from_agent, to_agent, kind, SUM(count) AS count FROM _run_edges WHERE workflow = ? AND ended_at >= ?
       GROUP BY from_agent, to_agent, kind ORDER BY from_agent, to_agent, kind`,
    )
    .bind(workflow, since)
    .all<EdgeTotal>();
  return results;
}

/** The versions each agent ran in those runs. */
export async function observedVersions(db: D1Database, workflow: string, since: string): Promise<Map<string, string[]>> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT s.agent_id AS agent, v.value AS version FROM _run_agent_stats s, json_each(s.versions) v
       WHERE s.workflow = ? AND s.ended_at >= ? ORDER BY agent, version`,
    )
    .bind(workflow, since)
    .all<{ agent: string; version: string }>();
  const versions = new Map<string, string[]>();
  for (const row of results) versions.set(row.agent, [...(versions.get(row.agent) ?? []), row.version]);
  return versions;
}

export interface AgentTotals {
  agent: string;
  tasks: number;
  retries: number;
  timeouts: number;
  failures: number;
  critical_path_ms: number;
}

/** Per agent, over a workflow's runs that ended since `since`: the sums of the per-run rows. */
export async function agentTotals(db: D1Database, workflow: string, since: string): Promise<AgentTotals[]> {
  const { results } = await db
    .prepare(
      `SELECT agent_id AS agent, SUM(tasks) AS tasks, SUM(retries) AS retries, SUM(timeouts) AS timeouts, SUM(failures) AS failures,
         SUM(critical_path_ms) AS critical_path_ms
       FROM _run_agent_stats WHERE workflow = ? AND ended_at >= ? GROUP BY agent_id`,
    )
    .bind(workflow, since)
    .all<AgentTotals>();
  return results;
}

/** How many runs ended since `since`, and the sum of their critical paths. */
export async function runTotals(db: D1Database, workflow: string, since: string): Promise<{ runs: number; critical_path_ms: number }> {
  const row = await db
    .prepare("SELECT COUNT(*) AS runs, COALESCE(SUM(critical_path_ms), 0) AS critical_path_ms FROM _run_observations WHERE workflow = ? AND ended_at >= ?")
    .bind(workflow, since)
    .first<{ runs: number; critical_path_ms: number }>();
  return row ?? { runs: 0, critical_path_ms: 0 };
}

/**
 * The order statistics each agent's p50 and p95 need (see quantile.ts), found by SQL: only the two
 * neighbours around each quantile's position come back, never every duration.
 */
export async function durationNeighbours(db: D1Database, workflow: string, since: string, probabilities: readonly number[]): Promise<{ agent: string; n: number; rank: number; ms: number }[]> {
  const around = probabilities.map((_, i) => `(rank BETWEEN CAST((n - 1) * ?${i + 3} AS INTEGER) AND CAST((n - 1) * ?${i + 3} AS INTEGER) + 2)`).join(" OR ");
  const { results } = await db
    .prepare(
      `WITH ranked AS (
         SELECT agent_id, duration_ms, ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY duration_ms) AS rank, COUNT(*) OVER (PARTITION BY agent_id) AS n
         FROM _run_task_durations WHERE workflow = ?1 AND ended_at >= ?2
       )
       SELECT agent_id AS agent, n, rank, duration_ms AS ms FROM ranked WHERE ${around} ORDER BY agent_id, rank`,
    )
    .bind(workflow, since, ...probabilities)
    .all<{ agent: string; n: number; rank: number; ms: number }>();
  return results;
}
