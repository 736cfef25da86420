import type { DecisionRecord } from "../../src/lifecycle/decisions";
import type { LifecycleKind } from "../../src/lifecycle/trigger-identity";
import type { Json } from "../../src/workflows/definition/types";
import type { RunTrigger } from "../workflow-run/run-types";

/**
 * One lifecycle trigger's own SQLite: where it stands (`trigger_state`), the ledger of the runs it decided
 * to start, and the decisions not yet copied to D1. Times are epoch milliseconds on the lifecycle clock.
 *
 * The ledger is what makes "one run per instant" hold: an instant (or a poll) gets its row, with the run
 * id chosen then, in the same transaction that moves the trigger past it. A tick that comes again for
 * that instant finds the trigger already past it; a crash after the row and before the run started
 * leaves a `starting` row that the next wake completes with the same run id.
 */
export interface TriggerState {
  trigger_id: string;
  /** The registry row's creation time: a trigger removed and defined again starts afresh. */
  generation: string;
  kind: LifecycleKind;
  /** Schedules: the previous scheduled instant (at first, when the trigger was defined). */
  anchor_ms: number | null;
  /** Schedules: the latest instant a tick passed (fired or skipped); null before the first. */
  last_instant_ms: number | null;
  /** When the schedule's next instant or the next poll is due; null when there is none. */
  next_ms: number | null;
  /** Polling: the nominal interval now in force. */
  interval_seconds: number | null;
  polls: number;
}

export type LedgerStatus = "starting" | "started" | "failed";

export interface StartRequestRecord {
  input: Json;
  trigger: RunTrigger;
  /** What the decision says when the run starts (scheduled_for, the poll's row, …). */
  details: Record<string, Json>;
  reason: string;
}

export interface LedgerEntry {
  key: string;
  run_id: string;
  status: LedgerStatus;
  request: StartRequestRecord;
  attempts: number;
  retry_at_ms: number | null;
  created_ms: number;
}

/** Ledger rows are kept this long after they settle, and at most this many. */
const LEDGER_RETENTION_MS = 30 * 24 * 3600_000;
const LEDGER_MAX_ROWS = 1000;

export class TriggerStore {
  constructor(private readonly sql: SqlStorage) {}

  static migrate(sql: SqlStorage): void {
    sql.exec(`CREATE TABLE IF NOT EXISTS trigger_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      trigger_id TEXT NOT NULL,
      generation TEXT NOT NULL,
      kind TEXT NOT NULL,
      anchor_ms INTEGER,
      last_instant_ms INTEGER,
      next_ms INTEGER,
      interval_seconds INTEGER,
      polls INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ledger (
      key TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      status TEXT NOT NULL,
      request TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      retry_at_ms INTEGER,
      created_ms INTEGER NOT NULL
    ) WITHOUT ROWID`);
    sql.exec("CREATE INDEX IF NOT EXISTS ledger_starting ON ledger (retry_at_ms) WHERE status = 'starting'");
    sql.exec("CREATE TABLE IF NOT EXISTS decision_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL)");
  }

  state(): TriggerState | null {
    return this.sql.exec<TriggerState & Record<string, SqlStorageValue>>("SELECT trigger_id, generation, kind, anchor_ms, last_instant_ms, next_ms, interval_seconds, polls FROM trigger_state").toArray()[0] ?? null;
  }

  saveState(state: TriggerState): void {
    this.sql.exec(
      `INSERT INTO trigger_state (id, trigger_id, generation, kind, anchor_ms, last_instant_ms, next_ms, interval_seconds, polls) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET trigger_id = excluded.trigger_id, generation = excluded.generation, kind = excluded.kind,
         anchor_ms = excluded.anchor_ms, last_instant_ms = excluded.last_instant_ms, next_ms = excluded.next_ms, interval_seconds = excluded.interval_seconds, polls = excluded.polls`,
      state.trigger_id,
      state.generation,
      state.kind,
      state.anchor_ms,
      state.last_instant_ms,
      state.next_ms,
      state.interval_seconds,
      state.polls,
    );
  }

  /** Forgets everything but the decisions still to copy out (the trigger was removed or defined anew). */
  reset(): void {
    this.sql.exec("DELETE FROM trigger_state");
    this.sql.exec("DELETE FROM ledger");
  }

  entry(key: string): LedgerEntry | null {
    const row = this.sql.exec<LedgerRow>("SELECT * FROM ledger WHERE key = ?", key).toArray()[0];
    return row ? entryOf(row) : null;
  }

  /** Records a run to start; false if the key is in the ledger already (it was decided before). */
  record(key: string, runId: string, request: StartRequestRecord, nowMs: number): boolean {
    const inserted = this.sql.exec(
      "INSERT INTO ledger (key, run_id, status, request, attempts, retry_at_ms, created_ms) VALUES (?, ?, 'starting', ?, 0, ?, ?) ON CONFLICT (key) DO NOTHING",
      key,
      runId,
      JSON.stringify(request),
      nowMs,
      nowMs,
    );
    return inserted.rowsWritten > 0;
  }

  /** Starts still to make whose (re)try time has come, oldest first. */
  dueStarts(nowMs: number, limit = 200): LedgerEntry[] {
    return this.sql
      .exec<LedgerRow>("SELECT * FROM ledger WHERE status = 'starting' AND retry_at_ms <= ? ORDER BY created_ms, key LIMIT ?", nowMs, limit)
      .toArray()
      .map(entryOf);
  }

  /** The earliest retry of a start still to make, or null. */
  nextRetryMs(): number | null {
    const row = this.sql.exec<{ at: number | null }>("SELECT MIN(retry_at_ms) AS at FROM ledger WHERE status = 'starting'").toArray()[0];
    return row?.at ?? null;
  }

  settle(key: string, status: "started" | "failed", attempts: number): void {
    this.sql.exec("UPDATE ledger SET status = ?, attempts = ?, retry_at_ms = NULL WHERE key = ?", status, attempts, key);
  }

  retryLater(key: string, attempts: number, retryAtMs: number): void {
    this.sql.exec("UPDATE ledger SET attempts = ?, retry_at_ms = ? WHERE key = ?", attempts, retryAtMs, key);
  }

  /** The latest settled start (for a duplicate tick's explanation). */
  lastStarted(): LedgerEntry | null {
    const row = this.sql.exec<LedgerRow>("SELECT * FROM ledger WHERE status = 'started' ORDER BY created_ms DESC, key DESC LIMIT 1").toArray()[0];
    return row ? entryOf(row) : null;
  }

  /** Drops settled rows past the retention, keeping the newest LEDGER_MAX_ROWS. */
  trimLedger(nowMs: number): void {
    this.sql.exec("DELETE FROM ledger WHERE status <> 'starting' AND created_ms < ?", nowMs - LEDGER_RETENTION_MS);
    this.sql.exec(
      `DELETE FROM ledger WHERE status <> 'starting' AND key NOT IN (SELECT key FROM ledger ORDER BY created_ms DESC LIMIT ${LEDGER_MAX_ROWS})`,
    );
  }

  queueDecision(record: DecisionRecord): void {
    this.sql.exec("INSERT INTO decision_outbox (record) VALUES (?)", JSON.stringify(record));
  }

  queuedDecisions(limit = 40): { seq: number; record: DecisionRecord }[] {
    return this.sql
      .exec<{ seq: number; record: string }>("SELECT seq, record FROM decision_outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((r) => ({ seq: r.seq, record: JSON.parse(r.record) as DecisionRecord }));
  }

  dropDecisions(throughSeq: number): void {
    this.sql.exec("DELETE FROM decision_outbox WHERE seq <= ?", throughSeq);
  }
}

interface LedgerRow extends Record<string, SqlStorageValue> {
  key: string;
  run_id: string;
  status: string;
  request: string;
  attempts: number;
  retry_at_ms: number | null;
  created_ms: number;
}

const entryOf = (row: LedgerRow): LedgerEntry => ({
  key: row.key,
  run_id: row.run_id,
  status: row.status as LedgerStatus,
  request: JSON.parse(row.request) as StartRequestRecord,
  attempts: row.attempts,
  retry_at_ms: row.retry_at_ms,
  created_ms: row.created_ms,
});
