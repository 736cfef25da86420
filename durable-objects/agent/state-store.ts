/** One agent's durable key-value state, in its Durable Object's SQLite. Versions count writes per key. */
export type StateRecord = {
  key: string;
  value: string;
  version: number;
  updated_at: string;
  updated_by: string;
};

export type StateWrite =
  | { ok: true; record: StateRecord }
  | { ok: false; current_version: number | null };

export type StateDelete = { ok: true } | { ok: false; current_version: number | null };

export type StateKeySummary = {
  key: string;
  version: number;
  updated_at: string;
  size_bytes: number;
};

export class StateStore {
  constructor(private readonly sql: SqlStorage) {}

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS state (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      version INTEGER NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    ) WITHOUT ROWID`);
  }

  get(key: string): StateRecord | null {
    const rows = this.sql.exec<Omit<StateRecord, "key">>("SELECT value, version, updated_at, updated_by FROM state WHERE key = ?", key).toArray();
    const row = rows[0];
    return row ? { key, ...row } : null;
  }

  /**
   * Compare-and-set: with `expectedVersion` the write lands only if the key is at that version
   * (0 means "not set yet"). A Durable Object runs one call at a time, so read-then-write is atomic.
   */
  put(key: string, value: string, expectedVersion: number | undefined, by: string, now: string): StateWrite {
    const current = this.currentVersion(key);
    if (expectedVersion !== undefined && expectedVersion !== (current ?? 0)) return { ok: false, current_version: current };
    const version = (current ?? 0) + 1;
    this.sql.exec(
      `INSERT INTO state (key, value, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      key, value, version, now, by,
    );
    return { ok: true, record: { key, value, version, updated_at: now, updated_by: by } };
  }

  delete(key: string, expectedVersion: number | undefined): StateDelete {
    const current = this.currentVersion(key);
    if (current === null || (expectedVersion !== undefined && expectedVersion !== current)) return { ok: false, current_version: current };
    this.sql.exec("DELETE FROM state WHERE key = ?", key);
    return { ok: true };
  }

  list(after: string | undefined, limit: number): StateKeySummary[] {
    return this.sql
      .exec<StateKeySummary>(
        `SELECT key, version, updated_at, length(CAST(value AS BLOB)) AS size_bytes FROM state
         WHERE key > ? ORDER BY key LIMIT ?`,
        after ?? "",
        limit,
      )
      .toArray();
  }

  private currentVersion(key: string): number | null {
    const row = this.sql.exec<{ version: number }>("SELECT version FROM state WHERE key = ?", key).toArray()[0];
    return row ? row.version : null;
  }
}
