import type { Effect } from "./effects";

export interface PendingEffect {
  seq: number;
  effect: Effect;
  attempts: number;
}

/** A failed effect is tried again after 1 s, doubling to at most 5 minutes. */
const retryDelayMs = (attempts: number) => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);

/** The run's effects still to carry out (see effects.ts). */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  add(effect: Effect, nowMs: number): void {
    this.sql.exec("INSERT INTO outbox (effect, not_before) VALUES (?, ?)", JSON.stringify(effect), nowMs);
  }

  /** Effects that may be tried now, oldest first. */
  due(nowMs: number): PendingEffect[] {
    return this.sql
      .exec<{ seq: number; effect: string; attempts: number }>("SELECT seq, effect, attempts FROM outbox WHERE not_before <= ? ORDER BY seq", nowMs)
      .toArray()
      .map((row) => ({ seq: row.seq, effect: JSON.parse(row.effect) as Effect, attempts: row.attempts }));
  }

  done(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }

  failed(seq: number, attempts: number, nowMs: number): void {
    this.sql.exec("UPDATE outbox SET attempts = ?, not_before = ? WHERE seq = ?", attempts, nowMs + retryDelayMs(attempts), seq);
  }

  earliest(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(not_before) AS at FROM outbox").one().at;
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }
}
