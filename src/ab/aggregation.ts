import { type Table, getTableColumns } from "drizzle-orm";
import { databaseOf } from "../db/client";
import { abTestArms, abTests } from "../db/schema";
import { welfordSetClause } from "./moments";
import { rollBackIfWorse } from "./test-lifecycle";
import type { AbArmRow, AbTestRow, StoredAbTest } from "./test-store";

// The arms' aggregates, kept as tasks finish and are rated. A run mirrors its tasks into D1 (`_tasks`)
// through an outbox effect that is retried until it succeeds, so these updates ride in the same D1 batch
// as that upsert and are guarded by the row as it was before it:
// - a finish counts when the task's row was not yet final (the first time it is seen finished);
// - a rating counts when the record is newer than the row (the upsert's own rule) and the rating differs
//   from the row's: a first rating adds to `rated`, a change up → down (or back) moves `up` only.
// Each is one UPDATE of one arm row, so concurrent runs never lose an update (SQLite evaluates SET against
// the row as it was), and a retried effect finds its guard closed and changes nothing.

/** What the aggregates need of a task's registry record (see durable-objects/workflow-run/effects.ts). */
export interface AbTaskRecord {
  task_id: string;
  status: string;
  started_at: string | null;
  completed_at: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  ab_test_id: string | null;
  ab_arm: string | null;
  rating: "up" | "down" | null;
  rev: number;
}

/**
 * Outcomes that count as a sample: the agent's own success or failure, and a timeout (a version that
 * hangs is failing). A cancelled task (its run ended for another reason) says nothing about the version.
 */
const SAMPLE_STATUSES = new Set(["succeeded", "failed", "timed_out"]);
const FINAL_STATUSES = "('succeeded', 'failed', 'timed_out', 'cancelled')";

/**
 * The four shapes of the finish update (with or without a duration, with or without tokens), built once.
 * ?1 test, ?2 arm, ?3 task, ?4 1 if it succeeded; then the duration and the tokens, each when present.
 */
function finishSql(duration: boolean, tokens: boolean): string {
  const sets = ["samples = samples + 1", "successes = successes + ?4"];
  let next = 5;
  if (duration) sets.push(welfordSetClause({ count: "duration_count", mean: "duration_mean", m2: "duration_m2" }, `?${next++}`));
  if (tokens) sets.push(welfordSetClause({ count: "tokens_count", mean: "tokens_mean", m2: "tokens_m2" }, `?${next++}`));
  return `UPDATE _ab_test_arms SET ${sets.join(", ")}
  WHERE ab_test_id = ?1 AND arm = ?2 AND NOT EXISTS (SELECT 1 FROM _tasks WHERE task_id = ?3 AND status IN ${FINAL_STATUSES})`;
}
const FINISH = [finishSql(false, false), finishSql(false, true), finishSql(true, false), finishSql(true, true)] as const;

const RATE = `UPDATE _ab_test_arms SET
    rated = rated + (CASE WHEN (SELECT rating FROM _tasks WHERE task_id = ?3) IS NULL THEN 1 ELSE 0 END),
    up = up + (CASE WHEN ?4 = 'up' THEN 1 ELSE 0 END) - (CASE WHEN (SELECT rating FROM _tasks WHERE task_id = ?3) = 'up' THEN 1 ELSE 0 END)
  WHERE ab_test_id = ?1 AND arm = ?2
    AND COALESCE((SELECT rev FROM _tasks WHERE task_id = ?3), -1) < ?5
    AND (SELECT rating FROM _tasks WHERE task_id = ?3) IS NOT ?4`;

/** Hand-out → completion in ms, or null when either end is missing or the clock went backwards. */
function durationOf(task: AbTaskRecord): number | null {
  if (task.status === "timed_out" || task.started_at === null || task.completed_at === null) return null;
  const ms = Date.parse(task.completed_at) - Date.parse(task.started_at);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

const tokensOf = (task: AbTaskRecord): number | null =>
  task.status === "timed_out" || task.tokens_in === null || task.tokens_out === null ? null : task.tokens_in + task.tokens_out;

/**
 * The aggregate updates for these task records (the newest record of each task in the batch), to run in
 * the batch BEFORE the `_tasks` upsert: their guards read the rows as they were.
 */
export function aggregateStatements(d1: D1Database, tasks: readonly AbTaskRecord[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const task of tasks) {
    if (task.ab_test_id === null || (task.ab_arm !== "a" && task.ab_arm !== "b")) continue;
    if (SAMPLE_STATUSES.has(task.status)) {
      const duration = durationOf(task);
      const tokens = tokensOf(task);
      const sql = FINISH[(duration === null ? 0 : 2) + (tokens === null ? 0 : 1)] as string;
      const values = [duration, tokens].filter((v): v is number => v !== null);
      statements.push(d1.prepare(sql).bind(task.ab_test_id, task.ab_arm, task.task_id, task.status === "succeeded" ? 1 : 0, ...values));
    }
    if (task.rating !== null) statements.push(d1.prepare(RATE).bind(task.ab_test_id, task.ab_arm, task.task_id, task.rating, task.rev));
  }
  return statements;
}

/** `col AS "key"` for every column of a table: raw rows come back with drizzle's property names. */
const selectList = (table: Table) =>
  Object.entries(getTableColumns(table))
    .map(([key, column]) => `${column.name} AS "${key}"`)
    .join(", ");

/** A raw row read with selectList, with each value mapped as drizzle maps it (booleans, enums). */
function fromDriver<T>(table: Table, raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[key];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T;
}

const WATCHED = `SELECT ab_test_id FROM _ab_tests WHERE ab_test_id IN (SELECT value FROM json_each(?1)) AND status = 'running' AND auto_rollback = 1`;

/**
 * The tests touched by these records that have `auto_rollback` and still run, with both arms, read at the
 * END of the same batch (so after the updates, and at no extra round trip). Two statements; null when no
 * record belongs to a test.
 */
export function watchedTestsStatements(d1: D1Database, tasks: readonly AbTaskRecord[]): [D1PreparedStatement, D1PreparedStatement] | null {
  const ids = [...new Set(tasks.flatMap((t) => (t.ab_test_id !== null && (SAMPLE_STATUSES.has(t.status) || t.rating !== null) ? [t.ab_test_id] : [])))];
  if (ids.length === 0) return null;
  const list = JSON.stringify(ids);
  return [
    d1.prepare(`SELECT ${selectList(abTests)} FROM _ab_tests WHERE ab_test_id IN (${WATCHED})`).bind(list),
    d1.prepare(`SELECT ${selectList(abTestArms)} FROM _ab_test_arms WHERE ab_test_id IN (${WATCHED})`).bind(list),
  ];
}

/** The watched tests, from the results of the two statements above. */
export function watchedTests(tests: D1Result, arms: D1Result): StoredAbTest[] {
  const armRows = (arms.results as Record<string, unknown>[]).map((r) => fromDriver<AbArmRow>(abTestArms, r));
  return (tests.results as Record<string, unknown>[]).flatMap((r) => {
    const test = fromDriver<AbTestRow>(abTests, r);
    const a = armRows.find((x) => x.abTestId === test.abTestId && x.arm === "a");
    const b = armRows.find((x) => x.abTestId === test.abTestId && x.arm === "b");
    return a && b ? [{ test, arms: { a, b } }] : [];
  });
}

/**
 * After the batch: each watched test is judged (O(1)) and rolled back when b is significantly worse on
 * success_rate. A failure here fails the record effect, which is retried: its aggregate updates then
 * change nothing (their guards are closed) and the judgement runs again.
 */
export async function judgeWatchedTests(d1: D1Database, tests: readonly StoredAbTest[]): Promise<void> {
  for (const stored of tests) await rollBackIfWorse(databaseOf(d1), stored);
}
