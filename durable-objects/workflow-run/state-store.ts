import type { ConflictPolicy, Json } from "../../src/workflows/definition/types";

/** A key of the run's shared state as it stands. */
export interface StateValue {
  key: string;
  value: Json;
  version: number;
  written_by: string;
  updated_at: number;
  /** The write's span, so a reader's task can name the writes it depended on. */
  span_id: string;
}

/** One write, as the history keeps it. */
export interface StateWriteRow extends StateValue {
  task_id: string | null;
}

/** Why a write was refused under the key's conflict policy. */
export interface WriteConflict {
  conflict: string;
  current_version: number;
}

/**
 * The run's shared state (the shared-state pattern): the current value of each key and every write in
 * order, so `?at=` can answer the state as it was at any moment.
 */
export class StateStore {
  constructor(private readonly sql: SqlStorage) {}

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS state (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      version INTEGER NOT NULL,
      written_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      span_id TEXT NOT NULL
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS state_history (
      seq INTEGER PRIMARY KEY,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      version INTEGER NOT NULL,
      written_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      task_id TEXT,
      span_id TEXT NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS state_history_key ON state_history (key, seq)");
  }

  get(key: string): StateValue | null {
    const row = this.sql.exec<Omit<StateValue, "value"> & { value: string }>("SELECT key, value, version, written_by, updated_at, span_id FROM state WHERE key = ?", key).toArray()[0];
    return row ? { ...row, value: JSON.parse(row.value) as Json } : null;
  }

  all(): StateValue[] {
    return this.sql
      .exec<Omit<StateValue, "value"> & { value: string }>("SELECT key, value, version, written_by, updated_at, span_id FROM state ORDER BY key")
      .toArray()
      .map((row) => ({ ...row, value: JSON.parse(row.value) as Json }));
  }

  /** The state as it was at `atMs`: each key's last write at or before then. */
  at(atMs: number): StateValue[] {
    return this.sql
      .exec<Omit<StateValue, "value"> & { value: string }>(
        `SELECT h.key, h.value, h.version, h.written_by, h.updated_at, h.span_id FROM state_history h
         WHERE h.seq = (SELECT MAX(seq) FROM state_history i WHERE i.key = h.key AND i.updated_at <= ?) ORDER BY h.key`,
        atMs,
      )
      .toArray()
      .map((row) => ({ ...row, value: JSON.parse(row.value) as Json }));
  }

  history(key: string): StateWriteRow[] {
    return this.sql
      .exec<Omit<StateWriteRow, "value"> & { value: string }>(
        "SELECT key, value, version, written_by, updated_at, task_id, span_id FROM state_history WHERE key = ? ORDER BY seq",
        key,
      )
      .toArray()
      .map((row) => ({ ...row, value: JSON.parse(row.value) as Json }));
  }

  /**
   * Writes one key under its conflict policy; the caller runs it inside the change's transaction. Returns
   * the stored value, or the conflict that refused it (nothing written).
   */
  write(key: string, value: Json, policy: ConflictPolicy, expectedVersion: number | undefined, by: { agent: string; task_id: string | null; span_id: string }, atMs: number): StateValue | WriteConflict {
    const current = this.get(key);
    const version = current?.version ?? 0;
    let next: Json = value;
    switch (policy) {
      case "first-write-wins":
        if (current) return { conflict: `'${key}' was already written by ${current.written_by} (first-write-wins): the first value stays.`, current_version: version };
        break;
      case "version-check":
        if (expectedVersion === undefined) return { conflict: `'${key}' is version-checked: send expected_version (0 for a new key; it is at ${version}).`, current_version: version };
        if (expectedVersion !== version) return { conflict: `'${key}' is at version ${version}, not ${expectedVersion} (version-check): read it again and retry.`, current_version: version };
        break;
      case "append":
        next = [...(Array.isArray(current?.value) ? current.value : current ? [current.value] : []), value];
        break;
      case "merge":
        next = current ? deepMerge(current.value, value) : value;
        break;
      case "last-write-wins":
        break;
    }
    const stored: StateValue = { key, value: next, version: version + 1, written_by: by.agent, updated_at: atMs, span_id: by.span_id };
    const text = JSON.stringify(next);
    this.sql.exec(
      "INSERT OR REPLACE INTO state (key, value, version, written_by, updated_at, span_id) VALUES (?, ?, ?, ?, ?, ?)",
      key,
      text,
      stored.version,
      by.agent,
      atMs,
      by.span_id,
    );
    this.sql.exec(
      "INSERT INTO state_history (key, value, version, written_by, updated_at, task_id, span_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
      key,
      text,
      stored.version,
      by.agent,
      atMs,
      by.task_id,
      by.span_id,
    );
    return stored;
  }
}

const isObject = (v: Json): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects merge key by key, recursively; anything else (arrays, scalars, null) is replaced by the new value. */
export function deepMerge(base: Json, patch: Json): Json {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: { [key: string]: Json } = { ...base };
  // Own keys only, defined rather than assigned: a key named `__proto__` or `constructor` is data here.
  for (const [k, v] of Object.entries(patch))
    Object.defineProperty(out, k, { value: Object.hasOwn(base, k) ? deepMerge(base[k] as Json, v) : v, enumerable: true, writable: true, configurable: true });
  return out;
}
