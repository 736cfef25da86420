import { aggregateStatements, judgeWatchedTests, watchedTests, watchedTestsStatements } from "../../src/ab/aggregation";
import { branchObject, branchRef } from "../../src/branches/branch-object";
import type { Outcome } from "../../src/branches/outcome";
import type { BranchDiff } from "../branch/diff";
import { inboxObject } from "../../src/inbox/inbox-object";
import { publishPlatformEvent } from "../../src/events/platform-events";
import { ApiError } from "../../src/http/errors";
import { writeObservation } from "../../src/observability/observation-store";
import { otlpTracesUrl } from "../../src/observability/otlp-export";
import type { DeliveryMessage } from "../../src/triggers/dispatch";
import type { AuditRecord, BranchSummaries, DeliverTask, Effect, PublishPlatformEvent, RecordEffect, RetractTask, RunRecord, TaskRecord } from "./effects";
import type { PendingEffect } from "./outbox";
import { deliverToEndpoint } from "./endpoint-delivery";
import { violationStatements } from "../../src/guard-rails/violations";

// Carrying out a run's effects for real: inbox deliveries, the D1 registry and audit rows, branch
// clean-up. Each is safe to repeat (the inbox dedupes by task id, the registry keeps the newest `rev`,
// audit rows are inserted once by their id).

const RUN_UPSERT = `INSERT INTO _runs (run_id, workflow, revision, status, trigger_type, trigger, agents, error, started_by, started_at, ended_at, mode)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, error = excluded.error, ended_at = excluded.ended_at
  WHERE _runs.ended_at IS NULL`;

const TASK_UPSERT = `INSERT INTO _tasks (task_id, run_id, workflow, agent_id, version, status, attempt, created_at, started_at, completed_at, deadline,
    error_code, tokens_in, tokens_out, ab_test_id, ab_arm, rating, rev)
  SELECT json_extract(value, '$.task_id'), json_extract(value, '$.run_id'), json_extract(value, '$.workflow'), json_extract(value, '$.agent_id'),
    json_extract(value, '$.version'), json_extract(value, '$.status'), json_extract(value, '$.attempt'), json_extract(value, '$.created_at'),
    json_extract(value, '$.started_at'), json_extract(value, '$.completed_at'), json_extract(value, '$.deadline'), json_extract(value, '$.error_code'),
    json_extract(value, '$.tokens_in'), json_extract(value, '$.tokens_out'), json_extract(value, '$.ab_test_id'), json_extract(value, '$.ab_arm'),
    json_extract(value, '$.rating'), json_extract(value, '$.rev')
  FROM json_each(?) WHERE true
  ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, completed_at = excluded.completed_at,
    deadline = excluded.deadline, error_code = excluded.error_code, tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
    rating = excluded.rating, rev = excluded.rev
  WHERE excluded.rev > _tasks.rev`;

const AUDIT_INSERT = `INSERT OR IGNORE INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details)
  SELECT json_extract(value, '$.audit_id'), json_extract(value, '$.agent_id'), json_extract(value, '$.action'), json_extract(value, '$.resource'),
    'success', json_extract(value, '$.request_id'), json_extract(value, '$.at'), json_extract(value, '$.details')
  FROM json_each(?)`;

function runStatement(db: D1Database, run: RunRecord): D1PreparedStatement {
  return db
    .prepare(RUN_UPSERT)
    .bind(
      run.run_id,
      run.workflow,
      run.revision,
      run.status,
      run.trigger_type,
      JSON.stringify(run.trigger),
      JSON.stringify(run.agents),
      run.error ? JSON.stringify(run.error) : null,
      run.started_by,
      run.started_at,
      run.ended_at,
      run.mode,
    );
}

/**
 * Every record effect of a drain in one D1 batch: the run's row, its tasks' rows (newest rev wins), audit
 * rows, and the A/B aggregates of tasks that finished or were rated (guarded by the rows as they were, so
 * a retried batch counts nothing twice; see src/ab/aggregation.ts). Tests with `auto_rollback` that these
 * tasks touched are read back in the same batch and judged after it. With `routingVersion`, the batch also
 * reads the event routing's version, for the drain's platform events (whether anything subscribes to them).
 */
export async function writeRecords(db: D1Database, effects: readonly RecordEffect[], routingVersion = false): Promise<string | undefined> {
  const run = effects.map((e) => e.run).filter((r): r is RunRecord => r !== undefined).at(-1);
  const tasks = new Map<string, TaskRecord>();
  for (const effect of effects) for (const task of effect.tasks) if ((tasks.get(task.task_id)?.rev ?? -1) < task.rev) tasks.set(task.task_id, task);
  const audit: AuditRecord[] = effects.flatMap((e) => e.audit).map((a) => ({ ...a, details: JSON.stringify(a.details) }));
  const statements: D1PreparedStatement[] = [];
  // A run that started and ended within one drain still gets its first row: the start's record comes first.
  const first = effects.find((e) => e.run)?.run;
  if (first && first !== run) statements.push(runStatement(db, first));
  if (run) statements.push(runStatement(db, run));
  const records = [...tasks.values()];
  statements.push(...aggregateStatements(db, records));
  if (tasks.size > 0) statements.push(db.prepare(TASK_UPSERT).bind(JSON.stringify(records)));
  if (audit.length > 0) statements.push(db.prepare(AUDIT_INSERT).bind(JSON.stringify(audit)));
  statements.push(...violationStatements(db, effects.flatMap((e) => e.violations ?? [])));
  const routingAt = routingVersion ? statements.push(db.prepare("SELECT version FROM _event_routing WHERE id = 1")) - 1 : -1;
  const watched = watchedTestsStatements(db, records);
  if (watched) statements.push(...watched);
  if (statements.length === 0) return undefined;
  const results = await db.batch(statements);
  if (watched) await judgeWatchedTests(db, watchedTests(results.at(-2) as D1Result, results.at(-1) as D1Result));
  return routingAt >= 0 ? (results[routingAt]?.results[0] as { version: string } | undefined)?.version : undefined;
}

async function deliver(env: Env, effect: DeliverTask, attempt: number): Promise<void> {
  if (effect.endpoint !== null) return deliverToEndpoint(env, effect.task, effect.endpoint, attempt);
  await inboxObject(env, effect.task.agent_id).deliver({ kind: "task", dedupe_key: effect.task.task_id, task: effect.task });
}

async function retract(env: Env, effect: RetractTask): Promise<void> {
  await inboxObject(env, effect.agent_id).retractTask(effect.task_id);
}

/** A run's platform event, if some workflow subscribes to its type; one that can never be published is logged and dropped. */
async function publish(env: Env, effect: PublishPlatformEvent, routingVersion: string | undefined): Promise<void> {
  try {
    await publishPlatformEvent(env, { type: effect.event_type, data: effect.data, key: effect.key, depth: effect.depth, causedBy: effect.caused_by }, routingVersion);
  } catch (error) {
    // A refusal (4xx) would be the same on every retry: the run's outcome stands; only this notice is lost.
    if (error instanceof ApiError && error.status < 500) console.error(`run platform event ${effect.key} refused: ${error.message}`);
    else throw error;
  }
}

/** How much each worker's branch changed, table by table (row counts, not rows). */
export async function summarizeBranches(env: Env, branches: Record<string, string>): Promise<BranchSummaries> {
  const entries = await Promise.all(
    Object.entries(branches).map(async ([worker, branchId]) => {
      const outcome = (await branchObject(env, branchId).diff(branchRef(branchId))) as unknown as Outcome<BranchDiff>;
      if (!outcome.ok) return [worker, { error: outcome.error.message }] as const;
      const tables = Object.fromEntries(outcome.value.tables.map((t) => [t.table, { added: t.added.length, changed: t.changed.length, deleted: t.deleted.length }]));
      return [worker, { tables, conflicts: outcome.value.conflicts.length }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Whether an effect waits for the alarm rather than running inside the call that made it: a POST to an
 * agent's endpoint may take seconds, and no caller (a run start, a completion) should wait for another
 * party's server.
 */
export const runsOffRequest = (effect: Effect) => effect.type === "deliver_task" && effect.endpoint !== null;

/** Carries out one drain's effects: deliveries first (in parallel), then retractions; records in one batch and platform events alongside. */
export async function carryOut(env: Env, pending: readonly PendingEffect[], stillOpen: (taskId: string) => boolean): Promise<Map<number, unknown>> {
  const failures = new Map<number, unknown>();
  const attempt = async (item: PendingEffect, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      failures.set(item.seq, error);
    }
  };
  const of = <T extends Effect["type"]>(type: T) => pending.filter((p) => p.effect.type === type) as (PendingEffect & { effect: Extract<Effect, { type: T }> })[];
  const records = of("record");
  const events = of("publish_event");
  const recordsWritten: Promise<string | undefined> =
    records.length === 0
      ? Promise.resolve(undefined)
      : writeRecords(env.DB, records.map((r) => r.effect), events.length > 0).catch((error: unknown) => {
          for (const r of records) failures.set(r.seq, error);
          return undefined;
        });
  // Platform events after the records: their batch read whether anything subscribes (else publish reads it).
  const published = recordsWritten.then((version) => Promise.all(events.map((item) => attempt(item, () => publish(env, item.effect, version)))));
  // A task already ended (cancelled, retried) is not delivered: its retraction may have run first.
  await Promise.all(of("deliver_task").map((item) => attempt(item, () => (stillOpen(item.effect.task.task_id) ? deliver(env, item.effect, item.attempts + 1) : Promise.resolve()))));
  await Promise.all(of("retract_task").map((item) => attempt(item, () => retract(env, item.effect))));
  await Promise.all(
    of("discard_branches").map((item) =>
      attempt(item, async () => {
        const actor = { agentId: item.effect.by };
        await Promise.all(item.effect.branch_ids.map((id) => branchObject(env, id).discard(branchRef(id), actor)));
      }),
    ),
  );
  await Promise.all(of("observe_run").map((item) => attempt(item, () => writeObservation(env.DB, item.effect.observation))));
  // The queue does the HTTP call to the collector (and its retries): the run only hands the trace over.
  await Promise.all(
    of("export_trace").map((item) =>
      attempt(item, async () => {
        if (otlpTracesUrl(env) !== null) await env.DELIVERIES.send({ kind: "otlp_trace", run_id: item.effect.run_id } satisfies DeliveryMessage);
      }),
    ),
  );
  await recordsWritten;
  await published;
  return failures;
}
