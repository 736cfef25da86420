import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { triggerDecisions } from "../db/schema";
import { newId } from "../lib/ids";
import type { Json } from "../workflows/definition/types";
import { isoAt } from "./clock";
import type { DecisionKind } from "./decision-kinds";

/**
 * What a lifecycle trigger decided, so that "why did this (not) run?" has an answer:
 * - `fired`: a run was started (`run_id`);
 * - `skipped`: nothing started, on purpose: instants the catch-up policy passes over, a tick that came
 *   for an instant already fired (a duplicate), a poll whose condition was 0;
 * - `deduplicated`: a retried call (a hook's `Idempotency-Key`) answered with the run it started before;
 * - `failed`: something went wrong (the condition failed, a hook's caller was refused, the start failed).
 */
export { DECISION_KINDS, type DecisionKind } from "./decision-kinds";

/** How many decisions are kept per trigger; older ones are dropped as new ones arrive. */
export const DECISIONS_KEPT = 50;

export interface NewDecision {
  decision: DecisionKind;
  reason: string;
  run_id?: string | null;
  details?: Record<string, Json>;
}

export interface TriggerDecision {
  decision_id: string;
  trigger_id: string;
  decision: DecisionKind;
  reason: string | null;
  run_id: string | null;
  details: Record<string, Json> | null;
  decided_at: string;
}

export interface DecisionRecord extends TriggerDecision {
  workflow: string;
}

export function decisionRecord(triggerId: string, workflow: string, decision: NewDecision, atMs: number): DecisionRecord {
  return {
    decision_id: newId("tdc"),
    trigger_id: triggerId,
    workflow,
    decision: decision.decision,
    reason: decision.reason,
    run_id: decision.run_id ?? null,
    details: decision.details ?? null,
    decided_at: isoAt(atMs),
  };
}

/** Inserts the decisions and trims each trigger's history to DECISIONS_KEPT, for one D1 batch. */
export function decisionStatements(db: Database, records: readonly DecisionRecord[]) {
  const inserts = records.map((r) =>
    db
      .insert(triggerDecisions)
      .values({
        decisionId: r.decision_id,
        triggerId: r.trigger_id,
        workflow: r.workflow,
        decision: r.decision,
        reason: r.reason,
        runId: r.run_id,
        details: r.details === null ? null : JSON.stringify(r.details),
        decidedAt: r.decided_at,
      })
      .onConflictDoNothing(),
  );
  const trims = [...new Set(records.map((r) => r.trigger_id))].map((triggerId) =>
    db
      .delete(triggerDecisions)
      .where(
        sql`${triggerDecisions.triggerId} = ${triggerId} AND ${triggerDecisions.decisionId} < (SELECT decision_id FROM _trigger_decisions WHERE trigger_id = ${triggerId} ORDER BY decision_id DESC LIMIT 1 OFFSET ${DECISIONS_KEPT - 1})`,
      ),
  );
  return [...inserts, ...trims];
}

/** Writes decisions on their own (a hook's failed start, where nothing else is written). */
export async function writeDecisions(db: Database, records: readonly DecisionRecord[]): Promise<void> {
  const [first, ...rest] = decisionStatements(db, records);
  if (first) await db.batch([first, ...rest]);
}

interface DecisionColumns {
  decision_id: string;
  trigger_id: string;
  decision: DecisionKind;
  reason: string | null;
  run_id: string | null;
  details: string | null;
  decided_at: string;
}

const decisionJson = (row: DecisionColumns): TriggerDecision => ({
  ...row,
  details: row.details === null ? null : (JSON.parse(row.details) as Record<string, Json>),
});

/** The latest `perTrigger` decisions of each of the workflow's triggers, newest first. */
export async function recentDecisions(db: Database, workflow: string, perTrigger: number): Promise<Map<string, TriggerDecision[]>> {
  const rows = await db.all<DecisionColumns>(
    sql`SELECT decision_id, trigger_id, decision, reason, run_id, details, decided_at FROM (
          SELECT *, row_number() OVER (PARTITION BY trigger_id ORDER BY decision_id DESC) AS rank
          FROM _trigger_decisions WHERE workflow = ${workflow}
        ) WHERE rank <= ${perTrigger} ORDER BY decision_id DESC`,
  );
  const byTrigger = new Map<string, TriggerDecision[]>();
  for (const row of rows) {
    const list = byTrigger.get(row.trigger_id) ?? [];
    list.push(decisionJson(row));
    byTrigger.set(row.trigger_id, list);
  }
  return byTrigger;
}
