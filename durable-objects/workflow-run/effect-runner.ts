import { branchObject, branchRef } from "../../src/branches/branch-object";
import type { Outcome } from "../../src/branches/outcome";
import type { BranchDiff } from "../branch/diff";
import { inboxObject } from "../../src/inbox/inbox-object";
import { writeObservation } from "../../src/observability/observation-store";
import { otlpTracesUrl } from "../../src/observability/otlp-export";
import type { DeliveryMessage } from "../../src/triggers/dispatch";
import type { AuditRecord, BranchSummaries, DeliverTask, Effect, RecordEffect, RetractTask, RunRecord, TaskRecord } from "./effects";
import type { PendingEffect } from "./outbox";
import { deliverToEndpoint } from "./endpoint-delivery";

// Carrying out a run's effects for real: inbox deliveries, the D1 registry and audit rows, branch
// clean-up. Each is safe to repeat (the inbox dedupes by task id, the registry keeps the newest `rev`,
// audit rows are inserted once by their id).

const RUN_UPSERT = `INSERT INTO _runs (run_id, workflow, revision, status, trigger_type, trigger, agents, error, started_by, started_at, ended_at, mode)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, error = excluded.error, ended_at = excluded.ended_at
  WHERE _runs.ended_at IS NULL`;

const TASK_UPSERT = `INSERT INTO _tasks (task_id, run_id, workflow, agent_id, version, status, attempt, created_at, started_at, completed_at, deadline,
    error_code, tokens_in, tokens_out, ab_test_id, ab_arm, rev)
  SELECT json_extract(value, '$.task_id'), json_extract(value, '$.run_id'), json_extract(value, '$.workflow'), json_extract(value, '$.agent_id'),
    json_extract(value, '$.version'), json_extract(value, '$.status'), json_extract(value, '$.attempt'), json_extract(value, '$.created_at'),
    json_extract(value, '$.started_at'), json_extract(value, '$.completed_at'), json_extract(value, '$.deadline'), json_extract(value, '$.error_code'),
    json_extract(value, '$.tokens_in'), json_extract(value, '$.tokens_out'), json_extract(value, '$.ab_test_id'), json_extract(value, '$.ab_arm'),
    json_extract(value, '$.rev')
  FROM json_each(?) WHERE true
  ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, completed_at = excluded.completed_at,
    deadline = excluded.deadline, error_code = excluded.error_code, tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, rev = excluded.rev
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

/** Every record effect of a drain in one D1 batch: the run's row, its tasks' rows (newest rev wins), audit rows. */
export async function writeRecords(db: D1Database, effects: readonly RecordEffect[]): Promise<void> {
  const run = effects.map((e) => e.run).filter((r): r is RunRecord => r !== undefined).at(-1);
  const tasks = new Map<string, TaskRecord>();
  for (const effect of effects) for (const task of effect.tasks) if ((tasks.get(task.task_id)?.rev ?? -1) < task.rev) tasks.set(task.task_id, task);
  const audit: AuditRecord[] = effects.flatMap((e) => e.audit).map((a) => ({ ...a, details: JSON.stringify(a.details) }));
  const statements: D1PreparedStatement[] = [];
  // A run that started and ended within one drain still gets its first row: the start's record comes first.
  const first = effects.find((e) => e.run)?.run;
  if (first && first !== run) statements.push(runStatement(db, first));
  if (run) statements.push(runStatement(db, run));
  if (tasks.size > 0) statements.push(db.prepare(TASK_UPSERT).bind(JSON.stringify([...tasks.values()])));
  if (audit.length > 0) statements.push(db.prepare(AUDIT_INSERT).bind(JSON.stringify(audit)));
  if (statements.length > 0) await db.batch(statements);
}

async function deliver(env: Env, effect: DeliverTask): Promise<void> {
  if (effect.endpoint !== null) return deliverToEndpoint(env, effect.task, effect.endpoint);
  await inboxObject(env, effect.task.agent_id).deliver({ kind: "task", dedupe_key: effect.task.task_id, task: effect.task });
}

async function retract(env: Env, effect: RetractTask): Promise<void> {
  await inboxObject(env, effect.agent_id).retractTask(effect.task_id);
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

/** Carries out one drain's effects: deliveries first (in parallel), then retractions, records in one batch. */
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
  const recordsWritten = records.length === 0 ? Promise.resolve() : writeRecords(env.DB, records.map((r) => r.effect)).catch((error: unknown) => {
    for (const r of records) failures.set(r.seq, error);
  });
  // A task already ended (cancelled, retried) is not delivered: its retraction may have run first.
  await Promise.all(of("deliver_task").map((item) => attempt(item, () => (stillOpen(item.effect.task.task_id) ? deliver(env, item.effect) : Promise.resolve()))));
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
  return failures;
}
