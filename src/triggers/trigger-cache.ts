import { type ActiveTriggerRow, TriggerSet } from "./trigger-set";

/**
 * The enabled triggers, cached per isolate. A store learns the definition version in its own
 * transaction (the outbox row records it), so a cached set is used only when it is at least that new:
 * a trigger created, changed or disabled before the store committed is always seen by its matching.
 */
let cached: TriggerSet | undefined;
let loading: Promise<TriggerSet> | undefined;

async function load(db: D1Database): Promise<TriggerSet> {
  // One batch is one transaction: the version and the rows are of the same moment.
  const [version, rows] = await db.batch([
    db.prepare("SELECT version FROM _trigger_version WHERE id = 1"),
    db.prepare(
      `SELECT t.trigger_id, t.name, t.threshold, t.cooldown_seconds, t.action, t.namespaces, t.created_by, v.model, v.vector
         FROM _triggers t JOIN _trigger_vectors v ON v.trigger_id = t.trigger_id
        WHERE t.enabled = 1`,
    ),
  ]);
  const v = (version?.results[0] as { version: number } | undefined)?.version ?? 0;
  return new TriggerSet(v, (rows?.results ?? []) as ActiveTriggerRow[]);
}

/** The enabled triggers as of `atLeastVersion` or later. */
export async function activeTriggers(db: D1Database, atLeastVersion: number): Promise<TriggerSet> {
  if (cached && cached.version >= atLeastVersion) return cached;
  // Concurrent stores after a change share one reload.
  loading ??= load(db).finally(() => {
    loading = undefined;
  });
  const fresh = await loading;
  if (!cached || fresh.version >= cached.version) cached = fresh;
  // A load that started before the change this store saw is too old: load once more.
  return fresh.version >= atLeastVersion ? fresh : activeTriggers(db, atLeastVersion);
}
