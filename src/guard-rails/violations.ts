import type { Context } from "hono";
import { guardRailViolated, publishPlatformEvent } from "../events/platform-events";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import type { GuardFinding } from "./enforce";

/**
 * Recording guard-rail violations: a row per finding in `_guard_rail_violations`, one `_audit_log` row
 * (`guard_rail:violated`) per write that broke a rule, and one `guard_rail.violated` platform event per
 * write. The Worker's routes and the run objects both record through `violationStatements` and
 * `violationEvents`, so the rows and the events cannot drift between paths. Nothing recorded carries
 * the PII: findings hold the rule, the path, the kind and the mode only.
 */

/** The write that broke a rule: who, what action on which resource, in which run and task if any. */
export interface ViolatedWrite {
  agent_id: string;
  action: string;
  resource: string;
  run_id?: string | null;
  task_id?: string | null;
  request_id?: string | null;
}

/** One write's violations, as recorded: the findings (at most MAX_RECORDED each) with their ids. */
export interface ViolationRecord {
  write: ViolatedWrite;
  at: string;
  /** Rows of `_guard_rail_violations`, in the order found. */
  violations: (GuardFinding & { violation_id: string })[];
  /** How many findings the write had in all (a redacted export may hold thousands; the first ones are kept). */
  total: number;
}

/** Findings kept per write: enough to find and fix every place in any sane value, bounded for a hostile one. */
export const MAX_RECORDED = 50;

export function violationRecord(write: ViolatedWrite, findings: readonly GuardFinding[], at: string): ViolationRecord {
  return {
    write,
    at,
    violations: findings.slice(0, MAX_RECORDED).map((f) => ({ ...f, violation_id: newId("grv") })),
    total: findings.length,
  };
}

const VIOLATION_INSERT = `INSERT OR IGNORE INTO _guard_rail_violations (violation_id, agent_id, rule, kind, path, mode, action, resource, run_id, task_id, request_id, at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'),
    json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'), json_extract(value, '$[9]'),
    json_extract(value, '$[10]'), json_extract(value, '$[11]')
  FROM json_each(?)`;

const AUDIT_INSERT = `INSERT OR IGNORE INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'guard_rail:violated', json_extract(value, '$[2]'), json_extract(value, '$[3]'),
    json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]')
  FROM json_each(?)`;

/** What the audit row and the platform event say about one write: its first finding, and how many there were. */
export type ViolationSummary = ReturnType<typeof violationSummary>;

export function violationSummary(record: ViolationRecord) {
  const first = record.violations[0];
  const rejected = record.violations.some((v) => v.mode === "reject");
  return {
    violation_id: first?.violation_id ?? null,
    agent_id: record.write.agent_id,
    rule: first?.rule ?? null,
    path: first?.path ?? null,
    kind: first?.kind ?? null,
    mode: rejected ? "reject" : "redact",
    action: record.write.action,
    resource: record.write.resource,
    run_id: record.write.run_id ?? null,
    task_id: record.write.task_id ?? null,
    violations: record.total,
    ...(first?.limit === undefined ? {} : { limit: first.limit }),
    at: record.at,
  };
}

/**
 * The D1 statements that record these writes' violations and their audit rows (at most two statements
 * whatever their number: the rows travel as one JSON parameter each). Safe to run twice: ids are fixed.
 * Audit ids are derived from the first violation's, so a retried record writes no second audit row.
 */
export function violationStatements(db: D1Database, records: readonly ViolationRecord[]): D1PreparedStatement[] {
  const rows = records.flatMap((r) =>
    r.violations.map((v) => [v.violation_id, r.write.agent_id, v.rule, v.kind, v.path, v.mode, r.write.action, r.write.resource, r.write.run_id ?? null, r.write.task_id ?? null, r.write.request_id ?? null, r.at]),
  );
  if (rows.length === 0) return [];
  const audits = records
    .filter((r) => r.violations.length > 0)
    .map((r) => {
      const summary = violationSummary(r);
      const { agent_id: _agent, action: _action, resource, at, ...details } = summary;
      return [`aud_${r.violations[0]!.violation_id.slice("grv_".length)}`, r.write.agent_id, resource, summary.mode === "reject" ? "denied" : "success", r.write.request_id ?? null, at, JSON.stringify({ ...details, write_action: r.write.action })];
    });
  return [db.prepare(VIOLATION_INSERT).bind(JSON.stringify(rows)), db.prepare(AUDIT_INSERT).bind(JSON.stringify(audits))];
}

/** Records the violations of writes a request refused or redacted, then announces them (after the answer). */
export async function recordViolations(c: Context<AppEnv>, records: readonly ViolationRecord[]): Promise<void> {
  const statements = violationStatements(c.env.DB, records);
  if (statements.length === 0) return;
  await c.env.DB.batch(statements);
  for (const event of violationEvents(records)) guardRailViolated(c, event.violation_id, event.data);
}

/**
 * The same, where no request is at hand (a run started by a trigger, the cron or the queue): the events
 * are published before returning; one that cannot be is logged, as the rows already say what happened.
 */
export async function recordViolationsFor(env: Env, records: readonly ViolationRecord[]): Promise<void> {
  const statements = violationStatements(env.DB, records);
  if (statements.length === 0) return;
  await env.DB.batch(statements);
  for (const event of violationEvents(records))
    await publishPlatformEvent(env, { type: "guard_rail.violated", key: `guard_rail.violated:${event.violation_id}`, data: event.data }).catch((error: unknown) => {
      console.error(`platform event guard_rail.violated (${event.violation_id}) could not be published`, error);
    });
}

/** One `guard_rail.violated` platform event: its data, and the violation whose id names it (so it is published once). */
export interface ViolationEvent {
  violation_id: string;
  data: ViolationSummary;
}

/**
 * What leaves as platform events: one `guard_rail.violated` per write (`source: "switchyard"`), its data
 * `violationSummary(record)`, no PII. A request publishes them with `guardRailViolated`
 * (src/events/platform-events.ts), a run's object with a `publish_event` effect (engine.ts).
 */
export function violationEvents(records: readonly ViolationRecord[]): ViolationEvent[] {
  return records.filter((r) => r.violations.length > 0).map((r) => ({ violation_id: r.violations[0]!.violation_id, data: violationSummary(r) }));
}
