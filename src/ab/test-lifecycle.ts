import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { auditIfChanged } from "../audit/audit-log";
import { parseVersion } from "../catalog/references";
import { resolveOne } from "../catalog/resolve";
import { findVersion, promotionStatements } from "../catalog/versions";
import { type Database, database } from "../db/client";
import { abTests } from "../db/schema";
import { ApiError } from "../http/errors";
import { type Actor, type AbTestRow, type StoredAbTest, dueTestsQuery, requireTest } from "./test-store";
import { verdictOf } from "./test-view";

// How a test ends, and where traffic goes afterwards. A running test splits the runs that resolve its
// agent's `latest`; once it ends, `latest` is the catalog's again. So that "the test ended" means "traffic
// went back to a" (stopped, rolled back, completed), ending a test promotes a in the catalog when `latest`
// would pick something else; promoting ends the test and promotes b. Either way the catalog change and the
// status change are one batch, guarded by the test still running: of two concurrent ends, one happens.

export type EndStatus = "completed" | "stopped" | "rolled_back" | "promoted";

const AUDIT_ACTION: Record<EndStatus, string> = { completed: "ab:complete", stopped: "ab:stop", rolled_back: "ab:roll_back", promoted: "ab:promote" };

/** Who ends tests that end by themselves (duration, auto-rollback) in `ended_by` and the audit log. */
export const SYSTEM_ACTOR: Actor = { agentId: "switchyard" };

const sameVersion = (x: string, y: string) => parseVersion(x)?.key === parseVersion(y)?.key;

/** The version the test leaves `latest` on, and whether the catalog must change for it (null: it need not). */
async function catalogTarget(db: Database, test: AbTestRow, status: EndStatus): Promise<{ version: string; key: string } | null | { refused: string }> {
  const version = status === "promoted" ? test.versionB : test.versionA;
  const key = parseVersion(version)?.key;
  if (key === undefined) throw new Error(`A/B test ${test.abTestId} holds an invalid version ${version}`);
  const row = await findVersion(db, test.agentId, key);
  if (!row) return { refused: `${test.agentId}@${version} is no longer in the catalog` };
  if (row.deprecated) return { refused: `${test.agentId}@${version} was deprecated meanwhile and cannot be promoted` };
  if (status === "promoted") return row.promoted ? null : { version, key };
  const latest = await resolveOne(db, test.agentId, "latest");
  return "resolved" in latest && sameVersion(latest.resolved.version, version) ? null : { version, key };
}

/**
 * Ends a running test as `status`. Answers whether this call ended it (false: it had ended already, or a
 * concurrent call got there first) and the test as it is now. `promoted` refuses with 409 when b cannot be
 * promoted (deprecated since); the other endings go ahead even when a cannot be promoted, and say so in
 * `end_reason`.
 */
export async function endTest(db: Database, test: AbTestRow, status: EndStatus, actor: Actor, reason: string, nowMs = Date.now()): Promise<{ ended: boolean; test: StoredAbTest }> {
  const target = await catalogTarget(db, test, status);
  if (target !== null && "refused" in target && status === "promoted") throw new ApiError("conflict", `Cannot promote b: ${target.refused}.`);
  const now = new Date(nowMs).toISOString();
  const note = target !== null && "refused" in target ? `; ${target.refused}, so \`latest\` was left as the catalog has it` : "";
  const running = sql`EXISTS (SELECT 1 FROM _ab_tests WHERE ab_test_id = ${test.abTestId} AND status = 'running')`;
  const catalog =
    target !== null && !("refused" in target)
      ? [
          ...promotionStatements(db, { agentId: test.agentId, versionKey: target.key }, now, running),
          auditIfChanged(db, {
            ...actor,
            action: "catalog:promote",
            resource: `catalog:${test.agentId}`,
            status: "success",
            details: { version: target.version, ab_test_id: test.abTestId, because: status },
          }),
        ]
      : [];
  const endReason = `${reason}${note}`;
  const statements: BatchItem<"sqlite">[] = [
    ...catalog,
    db
      .update(abTests)
      .set({ status, endedAt: now, endedBy: actor.agentId, endReason })
      .where(and(eq(abTests.abTestId, test.abTestId), eq(abTests.status, "running")))
      .returning({ id: abTests.abTestId }),
    auditIfChanged(db, {
      ...actor,
      action: AUDIT_ACTION[status],
      resource: `ab:${test.abTestId}`,
      status: "success",
      details: { agent: test.agentId, status, reason: endReason, latest: target !== null && !("refused" in target) ? target.version : null },
    }),
  ];
  const results = await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const updated = results[statements.length - 2] as { id: string }[];
  return { ended: updated.length > 0, test: await requireTest(db, test.abTestId) };
}

const expiryReason = (test: AbTestRow) => `duration_days (${test.durationDays}) elapsed at ${test.endsAt}`;

/** Completes every running test past its `ends_at` (the minute sweep; with `agentId`, that agent's only). */
export async function completeDueTests(db: Database, nowMs = Date.now(), agentId?: string): Promise<number> {
  const due = await dueTestsQuery(db, new Date(nowMs).toISOString(), agentId);
  let completed = 0;
  for (const test of due) if ((await endTest(db, test, "completed", SYSTEM_ACTOR, expiryReason(test), nowMs)).ended) completed++;
  return completed;
}

/** The minute sweep's job: tests past their duration complete even when nobody reads them. */
export async function sweepDueTests(env: Env): Promise<number> {
  return completeDueTests(database(env));
}

/** The test as it stands: one past its `ends_at` is completed first (checked lazily on every read). */
export async function currentTest(db: Database, stored: StoredAbTest, nowMs = Date.now()): Promise<StoredAbTest> {
  const { test } = stored;
  if (test.status !== "running" || test.endsAt === null || test.endsAt > new Date(nowMs).toISOString()) return stored;
  return (await endTest(db, test, "completed", SYSTEM_ACTOR, expiryReason(test), nowMs)).test;
}

/**
 * With `auto_rollback`, after an aggregate update: when b is significantly worse on success_rate (after
 * every gate, see recommend()), the test ends as `rolled_back` and later runs go to a. O(1): the verdict
 * comes from the two arms' aggregates.
 */
export async function rollBackIfWorse(db: Database, stored: StoredAbTest, nowMs = Date.now()): Promise<boolean> {
  if (stored.test.status !== "running" || !stored.test.autoRollback) return false;
  const verdict = verdictOf(stored);
  if (!verdict.roll_back) return false;
  const result = await endTest(db, stored.test, "rolled_back", SYSTEM_ACTOR, `auto_rollback: ${verdict.reason}`, nowMs);
  return result.ended;
}
