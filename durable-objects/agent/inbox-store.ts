import { newId } from "../../src/lib/ids";
import { InboxRefusedError } from "./inbox-errors";
import { INBOX_LIMITS, type AckResult, type DeliverResult, type HistoryPage, type InboxItem, type InboxItemInput, type InboxItemKind } from "./inbox-types";

const encoder = new TextEncoder();

export type PendingRow = { seq: number; item_id: string; kind: string; created_at: string; payload: string; lease_until: number | null };
type HistoryRow = { hseq: number; item_id: string; kind: string; created_at: string; payload: string; delivered_at: string };

/**
 * One agent's inbox, in its Durable Object's SQLite. Undelivered items (waiting, or handed out under a
 * lease) live in `inbox_pending` in arrival order; once delivered they move to `inbox_history`, which
 * keeps the newest `INBOX_LIMITS.historyItems`. Every multi-statement change is one `transactionSync`.
 * The object runs one call at a time between awaits, and nothing here awaits, so each method is atomic.
 */
export class InboxStore {
  /** Undelivered items, counted once from the table and then kept in step with every change. */
  private pending: number | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly limits = INBOX_LIMITS,
  ) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  static migrate(sql: SqlStorage): void {
    // AUTOINCREMENT: positions are never reused, so history cursors stay valid across pruning.
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox_pending (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      item_id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      created_at TEXT NOT NULL,
      payload TEXT NOT NULL,
      lease_until INTEGER
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox_history (
      hseq INTEGER PRIMARY KEY AUTOINCREMENT,
      item_id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      created_at TEXT NOT NULL,
      payload TEXT NOT NULL,
      delivered_at TEXT NOT NULL
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox_dedupe (
      dedupe_key TEXT PRIMARY KEY,
      item_id TEXT NOT NULL,
      at_ms INTEGER NOT NULL
    ) WITHOUT ROWID`);
    sql.exec("CREATE INDEX IF NOT EXISTS inbox_dedupe_age ON inbox_dedupe (at_ms)");
  }

  /** Forgets the cached count; called after the object's storage was wiped. */
  reset(): void {
    this.pending = null;
  }

  pendingCount(): number {
    this.pending ??= this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM inbox_pending").one().n;
    return this.pending;
  }

  /** Stores one item at the end of the inbox, unless its `dedupe_key` was seen; refuses it over a limit. */
  deliver(input: InboxItemInput, nowMs: number): DeliverResult {
    const dedupeKey = input.dedupe_key;
    if (dedupeKey !== undefined) {
      const seen = this.sql.exec<{ item_id: string }>("SELECT item_id FROM inbox_dedupe WHERE dedupe_key = ? AND at_ms >= ?", dedupeKey, nowMs - this.limits.dedupeRetentionMs).toArray()[0];
      if (seen) return { item_id: seen.item_id, duplicate: true };
    }
    const row = this.checkedRow(input, nowMs, 0);
    const depth = this.checkRoomFor(1);
    // A task's item is the task itself: its id is the task id, so its run can take it back by that id.
    const itemId = input.kind === "task" ? input.task.task_id : newId(itemPrefix(row.kind));
    this.storage.transactionSync(() => {
      this.insertPending(itemId, row);
      if (dedupeKey !== undefined) {
        this.sql.exec("DELETE FROM inbox_dedupe WHERE at_ms < ?", nowMs - this.limits.dedupeRetentionMs);
        this.sql.exec("INSERT OR REPLACE INTO inbox_dedupe (dedupe_key, item_id, at_ms) VALUES (?, ?, ?)", dedupeKey, itemId, nowMs);
      }
    });
    this.pending = depth + 1;
    return { item_id: itemId, duplicate: false };
  }

  /**
   * Stores items at the end of the inbox in the order given, all or none (one transaction): one item
   * over the size limit (the refusal names its index), or more items than the inbox has room for,
   * refuses the lot. No dedupe: this is for messages, whose senders retry with Idempotency-Key.
   */
  deliverAll(inputs: InboxItemInput[], nowMs: number): string[] {
    const rows = inputs.map((input, index) => this.checkedRow(input, nowMs, index));
    const depth = this.checkRoomFor(rows.length);
    const itemIds = rows.map((row) => newId(itemPrefix(row.kind)));
    this.storage.transactionSync(() => rows.forEach((row, i) => this.insertPending(itemIds[i]!, row)));
    this.pending = depth + rows.length;
    return itemIds;
  }

  /** Takes back waiting items (a send whose receiver turned out not to exist, or whose audit failed). */
  retractAll(itemIds: string[]): void {
    for (const itemId of itemIds) this.retract(itemId);
  }

  private checkedRow(input: InboxItemInput, nowMs: number, index: number): StoredRow {
    const row = rowOf(input, nowMs);
    const bytes = encoder.encode(row.payload).byteLength;
    if (bytes > this.limits.maxItemBytes)
      throw new InboxRefusedError("item_too_large", `The item is ${bytes} bytes of JSON; inbox items are limited to ${this.limits.maxItemBytes} bytes.`, index);
    return row;
  }

  /** The current depth, once sure `count` more items fit under the depth limit. */
  private checkRoomFor(count: number): number {
    const depth = this.pendingCount();
    if (depth + count <= this.limits.maxPendingItems) return depth;
    if (count === 1) throw new InboxRefusedError("inbox_full", `The inbox holds ${depth} undelivered items, its limit; it accepts more once its agent polls or acks.`);
    throw new InboxRefusedError(
      "inbox_full",
      `The inbox holds ${depth} undelivered items; ${count} more would pass its limit of ${this.limits.maxPendingItems}. It accepts more once its agent polls or acks (or send fewer at once).`,
    );
  }

  private insertPending(itemId: string, row: StoredRow): void {
    this.sql.exec("INSERT INTO inbox_pending (item_id, kind, created_at, payload) VALUES (?, ?, ?, ?)", itemId, row.kind, row.createdAt, row.payload);
  }

  /** Takes back an item that is still waiting (and forgets its dedupe key); false when it is not waiting. */
  retract(itemId: string): boolean {
    let removed = 0;
    this.storage.transactionSync(() => {
      removed = this.sql.exec("DELETE FROM inbox_pending WHERE item_id = ? AND lease_until IS NULL", itemId).rowsWritten;
      if (removed > 0) this.sql.exec("DELETE FROM inbox_dedupe WHERE item_id = ?", itemId);
    });
    if (removed > 0 && this.pending !== null) this.pending -= 1;
    return removed > 0;
  }

  /** The oldest items not under a live lease (of one kind, if given), without changing anything. */
  available(limit: number, nowMs: number, kind?: InboxItemKind): PendingRow[] {
    if (kind !== undefined)
      return this.sql
        .exec<PendingRow>(
          `SELECT seq, item_id, kind, created_at, payload, lease_until FROM inbox_pending
           WHERE kind = ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY seq LIMIT ?`,
          kind,
          nowMs,
          limit,
        )
        .toArray();
    return this.sql
      .exec<PendingRow>(
        `SELECT seq, item_id, kind, created_at, payload, lease_until FROM inbox_pending
         WHERE lease_until IS NULL OR lease_until <= ? ORDER BY seq LIMIT ?`,
        nowMs,
        limit,
      )
      .toArray();
  }

  hasAvailable(nowMs: number): boolean {
    return this.available(1, nowMs).length > 0;
  }


  /** When the earliest live lease runs out (ms), or null when nothing is leased. */
  nextLeaseExpiry(nowMs: number): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM inbox_pending WHERE lease_until > ?", nowMs).one().at;
  }

  /** Hands out rows read by `available`: delivered now (into history), or leased for `leaseSeconds`. */
  handOut(rows: PendingRow[], leaseSeconds: number | undefined, nowMs: number): InboxItem[] {
    const items = itemsFor(rows, leaseSeconds, nowMs);
    this.markHandedOut(rows, leaseSeconds, nowMs);
    return items;
  }

  /** The change `handOut` makes, apart from rendering: for callers that must send before they commit. */
  markHandedOut(rows: PendingRow[], leaseSeconds: number | undefined, nowMs: number): void {
    if (rows.length === 0) return;
    const seqs = rows.map((r) => r.seq);
    if (leaseSeconds === undefined) this.moveToHistory(seqs, new Date(nowMs).toISOString());
    else this.sql.exec("UPDATE inbox_pending SET lease_until = ? WHERE seq IN (SELECT value FROM json_each(?))", nowMs + leaseSeconds * 1000, JSON.stringify(seqs));
  }

  /** Acks leased items: they are delivered. A lease that ran out may still be acked until another poll takes the item. */
  ack(itemIds: string[], nowMs: number): AckResult {
    const ids = [...new Set(itemIds)];
    const leased = this.sql
      .exec<{ seq: number; item_id: string }>(
        "SELECT seq, item_id FROM inbox_pending WHERE lease_until IS NOT NULL AND item_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
        JSON.stringify(ids),
      )
      .toArray();
    if (leased.length > 0) this.moveToHistory(leased.map((r) => r.seq), new Date(nowMs).toISOString());
    const acked = new Set(leased.map((r) => r.item_id));
    return { acked: ids.filter((id) => acked.has(id)), unknown: ids.filter((id) => !acked.has(id)) };
  }

  /** Delivered items, most recently delivered first; `before` is the previous page's `next_after`. */
  history(limit: number, before: number | undefined): HistoryPage {
    const rows = this.sql
      .exec<HistoryRow>(
        "SELECT hseq, item_id, kind, created_at, payload, delivered_at FROM inbox_history WHERE hseq < ? ORDER BY hseq DESC LIMIT ?",
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ ...itemJson(r), delivered_at: r.delivered_at })),
      next_after: rows.length > limit && last ? last.hseq : null,
    };
  }

  private moveToHistory(seqList: number[], deliveredAt: string): void {
    const seqs = JSON.stringify(seqList);
    this.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO inbox_history (item_id, kind, created_at, payload, delivered_at)
         SELECT item_id, kind, created_at, payload, ? FROM inbox_pending WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq`,
        deliveredAt,
        seqs,
      );
      this.sql.exec("DELETE FROM inbox_pending WHERE seq IN (SELECT value FROM json_each(?))", seqs);
      // Positions are consecutive, so this keeps (about) the newest `historyItems` with one indexed range delete.
      this.sql.exec("DELETE FROM inbox_history WHERE hseq <= (SELECT MAX(hseq) FROM inbox_history) - ?", this.limits.historyItems);
    });
    // The rows were read in this same synchronous call, so every one of them was pending.
    if (this.pending !== null) this.pending -= seqList.length;
  }
}

type StoredRow = { kind: InboxItemKind; createdAt: string; payload: string };

/** How an input is stored: its kind, its `created_at`, and its own fields as JSON. */
function rowOf(input: InboxItemInput, nowMs: number): StoredRow {
  switch (input.kind) {
    case "notification": {
      const { created_at, ...fields } = input.notification;
      return { kind: "notification", createdAt: created_at, payload: JSON.stringify(fields) };
    }
    case "message":
      return {
        kind: "message",
        createdAt: new Date(nowMs).toISOString(),
        payload: JSON.stringify({ from_agent_id: input.from_agent_id, type: input.type, body: input.body ?? null }),
      };
    case "task": {
      const { created_at, ...fields } = input.task;
      return { kind: "task", createdAt: created_at, payload: JSON.stringify(fields) };
    }
  }
}

const itemPrefix = (kind: InboxItemKind) => (kind === "notification" ? "ntf" : "msg");

/** The items as their receiver sees them once handed out (with `lease_expires_at` under a lease). */
export function itemsFor(rows: PendingRow[], leaseSeconds: number | undefined, nowMs: number): InboxItem[] {
  if (leaseSeconds === undefined) return rows.map(itemJson);
  const leaseExpiresAt = new Date(nowMs + leaseSeconds * 1000).toISOString();
  return rows.map((r) => ({ ...itemJson(r), lease_expires_at: leaseExpiresAt }));
}

function itemJson(row: { item_id: string; kind: string; created_at: string; payload: string }): InboxItem {
  const fields = JSON.parse(row.payload) as Record<string, unknown>;
  return { item_id: row.item_id, kind: row.kind, created_at: row.created_at, ...fields } as InboxItem;
}
