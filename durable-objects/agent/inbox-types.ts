/**
 * What goes into an agent's inbox and what comes out. The trigger engine delivers notifications, agents
 * send each other messages; a later part adds workflow tasks (kind "task"), which fit the same rows.
 */

/** A fired trigger's notification, as the contract names its fields. */
export interface NotificationFields {
  notification_id: string;
  trigger_id: string;
  trigger_name: string;
  source_memory_id: string;
  agent_id: string;
  score: number;
  created_at: string;
}

/**
 * One delivery into an inbox. `dedupe_key` makes delivery idempotent: a second delivery with a key the
 * inbox has seen (within `DEDUPE_RETENTION_MS`) stores nothing and answers the first item's id.
 */
export type InboxItemInput =
  | { kind: "notification"; dedupe_key: string; notification: NotificationFields }
  | { kind: "message"; dedupe_key?: string; from_agent_id: string; type: string; body: unknown }
  | { kind: "task"; dedupe_key: string; task: TaskFields };

/** A workflow task handed to an agent (api-v1-coordination.md, "Runs and tasks"), as the run object gives it. */
export interface TaskFields {
  task_id: string;
  run_id: string;
  workflow: string;
  agent_id: string;
  version: string;
  input: JsonValue;
  attempt: number;
  deadline: string;
  created_at: string;
  /** The A/B test arm that chose `version`, when a test did. */
  ab?: { ab_test_id: string; arm: "a" | "b" };
}

/** A direct message as its sender gives it. */
export interface OutgoingMessage {
  type: string;
  body: unknown;
}

/** Who sends, and the request that did, for the audit rows. */
export interface Sender {
  agentId: string;
  requestId?: string;
}

/** The stored messages' ids and `created_at`, in the order sent. */
export interface SentMessages {
  items: { item_id: string; created_at: string }[];
}

export interface DeliverResult {
  item_id: string;
  duplicate: boolean;
}

export type InboxItemKind = "notification" | "message" | "task";

interface ItemEnvelope {
  /** Sortable (`ntf_…`, `msg_…`); the inbox's own order is arrival order. */
  item_id: string;
  created_at: string;
  /** Present on items handed out under a lease: when they come back unless acked. */
  lease_expires_at?: string;
  /** Present on history items: when the item was delivered (polled, acked or pushed). */
  delivered_at?: string;
}

export type NotificationItem = ItemEnvelope & { kind: "notification" } & Omit<NotificationFields, "created_at">;
/** Any JSON value, as a message body is once stored (typed so it crosses RPC). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type MessageItem = ItemEnvelope & { kind: "message"; from_agent_id: string; type: string; body: JsonValue };
export type TaskItem = ItemEnvelope & { kind: "task" } & Omit<TaskFields, "created_at">;
export type InboxItem = NotificationItem | MessageItem | TaskItem;

export interface PollOptions {
  limit: number;
  /** Hold the call until an item is available or this many seconds pass (0: answer at once). */
  wait_seconds: number;
  /** Lease the items for this long instead of delivering them. */
  lease_seconds?: number;
  /** Only items of this kind (a worker loop takes its tasks and leaves notifications to others). */
  kind?: InboxItemKind;
}

export interface AckResult {
  /** Ids that were leased here and are now delivered. */
  acked: string[];
  /** Ids that are not leased items of this inbox: never delivered here, already acked or delivered, or not yet handed out. */
  unknown: string[];
}

export interface HistoryPage {
  items: InboxItem[];
  /** The history position of the last item, for the next page; null on the last page. */
  next_after: number | null;
}

/** The limits an inbox enforces at delivery, so that a sender hears "no" now rather than failing later. */
export const INBOX_LIMITS = {
  /** An item's JSON (its body or notification fields) is at most this many bytes of UTF-8. */
  maxItemBytes: 64 * 1024,
  /** Undelivered items (waiting or leased) an inbox holds before it refuses more. */
  maxPendingItems: 10_000,
  /** Delivered items kept for `history`; older ones are dropped as new ones are delivered. */
  historyItems: 1_000,
  /** How long a `dedupe_key` is remembered. */
  dedupeRetentionMs: 24 * 60 * 60 * 1000,
  maxLeaseSeconds: 3600,
  maxWaitSeconds: 30,
  maxPollItems: 100,
} as const;

/** The WebSocket subprotocol of `/v1/inbox/{agent_id}/connect`; a browser may offer its key as `switchyard.key.<key>` beside it. */
export const INBOX_SUBPROTOCOL = "switchyard";
