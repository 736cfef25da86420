import { type SQL, and, eq, isNotNull, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { hookKeys, lifecycleTriggers, triggerDecisions, workflows } from "../db/schema";
import type { HookKey } from "../schedules/hook-auth/hook-keys";
import type { SavedRevisionKey } from "../workflows/workflow-store";
import type { LifecycleConfig, LifecycleKind, PlannedTrigger } from "./trigger-identity";
import { type StartTokens, startTokenColumns, startTokensOf } from "../runs/catalog-version";

// The D1 registry of a workflow's schedule, polling and webhook triggers (migration 0012). It is written
// in the same batch as the revision it belongs to, so the registry never describes a revision that was not
// saved, nor misses one that was; each trigger's Durable Object is told afterwards, and the every-minute
// safety net wakes any object that was not.

export type RegistryRow = typeof lifecycleTriggers.$inferSelect;

/** A registry row with the workflow's author (the runs it starts and the polls it makes act for them). */
export interface TriggerRecord {
  triggerId: string;
  workflow: string;
  revision: number;
  index: number;
  kind: LifecycleKind;
  config: LifecycleConfig;
  path: string | null;
  createdAt: string;
  author: string;
}

const recordOf = (row: RegistryRow, author: string): TriggerRecord => ({
  triggerId: row.triggerId,
  workflow: row.workflow,
  revision: row.revision,
  index: row.triggerIndex,
  kind: row.kind,
  config: JSON.parse(row.config) as LifecycleConfig,
  path: row.path,
  createdAt: row.createdAt,
  author,
});

export async function workflowTriggerRows(db: Database, workflow: string): Promise<RegistryRow[]> {
  return db.select().from(lifecycleTriggers).where(eq(lifecycleTriggers.workflow, workflow)).orderBy(lifecycleTriggers.triggerIndex);
}

/**
 * The trigger as registered now, if it still is (its workflow live), with the workflow's author, and the
 * version tokens its run start keys its caches by (read along, so the start reads none of its own).
 */
export async function triggerRecord(db: Database, triggerId: string): Promise<(TriggerRecord & { tokens: StartTokens }) | undefined> {
  const [found] = await db
    .select({ row: lifecycleTriggers, author: workflows.createdBy, ...startTokenColumns })
    .from(lifecycleTriggers)
    .innerJoin(workflows, and(eq(workflows.name, lifecycleTriggers.workflow), sql`${workflows.deletedAt} IS NULL`))
    .where(eq(lifecycleTriggers.triggerId, triggerId));
  return found ? { ...recordOf(found.row, found.author), tokens: startTokensOf(found) } : undefined;
}

/** The hook listening at `path`, with its stored keys (api_key hooks). */
export async function hookAt(db: Database, path: string): Promise<{ record: TriggerRecord; keys: HookKey[]; tokens: StartTokens } | undefined> {
  // The start's version tokens ride along (as with authentication), so the start needs no read of its own.
  const [found] = await db
    .select({ row: lifecycleTriggers, author: workflows.createdBy, keys: hookKeys.keys, ...startTokenColumns })
    .from(lifecycleTriggers)
    .innerJoin(workflows, and(eq(workflows.name, lifecycleTriggers.workflow), sql`${workflows.deletedAt} IS NULL`))
    .leftJoin(hookKeys, eq(hookKeys.triggerId, lifecycleTriggers.triggerId))
    .where(eq(lifecycleTriggers.path, path));
  if (!found || found.row.kind !== "webhook") return undefined;
  return {
    record: recordOf(found.row, found.author),
    keys: found.keys === null ? [] : (JSON.parse(found.keys) as HookKey[]),
    tokens: startTokensOf(found),
  };
}

/** Hooks of other workflows at any of these paths: the PUT that wants one of them is a 409. */
export async function pathsTakenElsewhere(db: Database, workflow: string, paths: readonly string[]): Promise<{ path: string; workflow: string }[]> {
  if (paths.length === 0) return [];
  const rows = await db
    .select({ path: lifecycleTriggers.path, workflow: lifecycleTriggers.workflow })
    .from(lifecycleTriggers)
    .where(and(sql`${lifecycleTriggers.path} IN (SELECT value FROM json_each(${JSON.stringify(paths)}))`, sql`${lifecycleTriggers.workflow} <> ${workflow}`));
  return rows.flatMap((r) => (r.path === null ? [] : [{ path: r.path, workflow: r.workflow }]));
}

/** The triggers of these ids that already have hook keys. */
export async function triggersWithKeys(db: Database, workflow: string): Promise<Set<string>> {
  const rows = await db.select({ triggerId: hookKeys.triggerId }).from(hookKeys).where(eq(hookKeys.workflow, workflow));
  return new Set(rows.map((r) => r.triggerId));
}

const inList = (ids: readonly string[]) => sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** True in a statement only while exactly this revision is the live workflow's current one (in a save's batch: when it saved it). */
const revisionSaved = (saved: SavedRevisionKey): SQL =>
  sql`EXISTS (SELECT 1 FROM _workflow_revisions WHERE name = ${saved.name} AND revision = ${saved.revision} AND content_hash = ${saved.contentHash} AND created_at = ${saved.createdAt})
    AND EXISTS (SELECT 1 FROM _workflows WHERE name = ${saved.name} AND current_revision = ${saved.revision} AND deleted_at IS NULL)`;

/**
 * The registry as of the saved revision: triggers no longer defined are removed (with their keys and
 * decisions), the others inserted or updated in place (a kept trigger keeps its creation time, which is
 * where a schedule starts counting, and its state). New hook keys are stored hashed. Each row's `next_at`
 * is set to the save's time so that, if its object is never told, the safety net wakes it within minutes.
 */
export function registryStatements(db: Database, saved: SavedRevisionKey, planned: readonly PlannedTrigger[], newKeys: ReadonlyMap<string, HookKey[]>): BatchItem<"sqlite">[] {
  const when = revisionSaved(saved);
  const kept = planned.map((p) => p.triggerId);
  const keyed = planned.filter((p) => p.config.type === "webhook" && p.config.auth.type === "api_key").map((p) => p.triggerId);
  const at = saved.createdAt;
  const statements: BatchItem<"sqlite">[] = [
    db.delete(lifecycleTriggers).where(and(eq(lifecycleTriggers.workflow, saved.name), sql`${lifecycleTriggers.triggerId} NOT IN ${inList(kept)}`, when)),
    db.delete(triggerDecisions).where(and(eq(triggerDecisions.workflow, saved.name), sql`${triggerDecisions.triggerId} NOT IN ${inList(kept)}`, when)),
    db.delete(hookKeys).where(and(eq(hookKeys.workflow, saved.name), sql`${hookKeys.triggerId} NOT IN ${inList(keyed)}`, when)),
  ];
  for (const p of planned) {
    const nextAt = p.kind === "webhook" ? null : at;
    // Columns in the table's declared order: the select's values fill them positionally.
    statements.push(
      db
        .insert(lifecycleTriggers)
        .select(sql`SELECT ${p.triggerId}, ${saved.name}, ${saved.revision}, ${p.index}, ${p.kind}, ${JSON.stringify(p.config)}, ${p.path}, ${at}, ${at}, ${nextAt}, NULL, NULL WHERE ${when}`)
        .onConflictDoUpdate({
          target: lifecycleTriggers.triggerId,
          set: {
            revision: sql`excluded.revision`,
            triggerIndex: sql`excluded.trigger_index`,
            config: sql`excluded.config`,
            updatedAt: sql`excluded.updated_at`,
            nextAt: sql`excluded.next_at`,
          },
        }),
    );
  }
  for (const [triggerId, keys] of newKeys) {
    statements.push(
      db
        .insert(hookKeys)
        .select(sql`SELECT ${triggerId}, ${saved.name}, ${JSON.stringify(keys)}, ${at} WHERE ${when}`)
        .onConflictDoNothing(),
    );
  }
  return statements;
}

/** Removes a deleted workflow's triggers, keys and decisions, in the batch that marks it deleted. */
export function removalStatements(db: Database, workflow: string): BatchItem<"sqlite">[] {
  const when = sql`EXISTS (SELECT 1 FROM _workflows WHERE name = ${workflow} AND deleted_at IS NOT NULL)`;
  return [
    db.delete(lifecycleTriggers).where(and(eq(lifecycleTriggers.workflow, workflow), when)),
    db.delete(triggerDecisions).where(and(eq(triggerDecisions.workflow, workflow), when)),
    db.delete(hookKeys).where(and(eq(hookKeys.workflow, workflow), when)),
  ];
}

/** A save that lost to another workflow claiming the same hook path in the same moment. */
export const isPathClash = (error: unknown): boolean => error instanceof Error && /UNIQUE constraint failed: _lifecycle_triggers\.path/.test(String(error.message) + String((error as { cause?: unknown }).cause ?? ""));

/** Triggers whose object should have woken by `before` and has not said it did: the safety net's work. */
export async function overdueTriggers(db: Database, before: string, limit: number): Promise<{ triggerId: string; nextAt: string }[]> {
  const rows = await db
    .select({ triggerId: lifecycleTriggers.triggerId, nextAt: lifecycleTriggers.nextAt })
    .from(lifecycleTriggers)
    .where(and(isNotNull(lifecycleTriggers.nextAt), lte(lifecycleTriggers.nextAt, before)))
    .orderBy(lifecycleTriggers.nextAt)
    .limit(limit);
  return rows.flatMap((r) => (r.nextAt === null ? [] : [{ triggerId: r.triggerId, nextAt: r.nextAt }]));
}
