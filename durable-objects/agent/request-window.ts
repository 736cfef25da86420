/**
 * The `requests_per_minute` guard rail: a fixed one-minute window per caller that opens at its first
 * request after the previous one closed. The deployment's limit is counted in each agent's own object (one
 * window); a workflow's or an agent version's is counted by the run, per agent, for the requests it takes.
 *
 * Why here and not the Workers rate-limiting binding: the binding's limit is fixed in wrangler.toml, while
 * this one is set at run time (`PUT /v1/guard-rails`) and must hold from the very next request; and the
 * binding counts per Cloudflare location and is eventually consistent, so an agent spread over locations
 * (or a burst that beats the propagation) gets more than its minute's worth. One object per agent counts
 * exactly, whatever the location. The price is one call to this object per request, paid only while a
 * deployment rule sets the limit (the Worker skips the call otherwise).
 *
 * The count lives in memory and in the object's SQLite (a row per caller), so an eviction or a restart
 * forgets nothing. A refused request is not counted: an agent that keeps retrying does not push its own window on.
 */

export type Admission =
  | { ok: true; remaining: number }
  /** `first`: the window's first refusal (recorded once as a violation, not once per refused request). */
  | { ok: false; retry_after_ms: number; first: boolean };

export const WINDOW_MS = 60_000;

interface Window {
  started_at: number;
  count: number;
  refused: number;
}

export class RequestWindow {
  private readonly windows = new Map<string, Window | null>();

  constructor(private readonly sql: SqlStorage) {}

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS request_windows (
      caller TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      count INTEGER NOT NULL,
      refused INTEGER NOT NULL
    ) WITHOUT ROWID`);
  }

  /** Counts one request of `caller` against `limit` per minute, at `now` (epoch ms). */
  admit(caller: string, limit: number, now: number): Admission {
    const current = this.load(caller);
    if (current === null || now >= current.started_at + WINDOW_MS || now < current.started_at) {
      // A new window opens with this request (a clock that went backwards opens one too, rather than lock the caller out).
      this.save(caller, { started_at: now, count: 1, refused: 0 });
      return { ok: true, remaining: limit - 1 };
    }
    if (current.count >= limit) {
      this.save(caller, { ...current, refused: current.refused + 1 });
      return { ok: false, retry_after_ms: current.started_at + WINDOW_MS - now, first: current.refused === 0 };
    }
    this.save(caller, { ...current, count: current.count + 1 });
    return { ok: true, remaining: limit - current.count - 1 };
  }

  /** Forgets every window (the storage was wiped). */
  reset(): void {
    this.windows.clear();
  }

  private load(caller: string): Window | null {
    const known = this.windows.get(caller);
    if (known !== undefined) return known;
    const row = this.sql.exec<{ started_at: number; count: number; refused: number }>("SELECT started_at, count, refused FROM request_windows WHERE caller = ?", caller).toArray()[0];
    const window = row ? { started_at: row.started_at, count: row.count, refused: row.refused } : null;
    this.windows.set(caller, window);
    return window;
  }

  private save(caller: string, window: Window): void {
    this.sql.exec(
      "INSERT INTO request_windows (caller, started_at, count, refused) VALUES (?, ?, ?, ?) ON CONFLICT (caller) DO UPDATE SET started_at = excluded.started_at, count = excluded.count, refused = excluded.refused",
      caller,
      window.started_at,
      window.count,
      window.refused,
    );
    this.windows.set(caller, window);
  }
}
