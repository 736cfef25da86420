/**
 * Why an inbox refuses a delivery. Errors cross the RPC boundary as plain `Error`s with only their
 * message kept, so the reason travels in the message as `InboxRefused[<reason>]: …` and
 * `inboxRefusal` reads it back on the caller's side.
 */
export type InboxRefusalReason = "inbox_full" | "item_too_large";

export interface InboxRefusal {
  reason: InboxRefusalReason;
  message: string;
  /** For `item_too_large` among several items: which one (0-based). Kept only when the refusal is answered, not thrown. */
  index?: number;
}

const PATTERN = /^InboxRefused\[(inbox_full|item_too_large)\]: (.*)$/s;

export class InboxRefusedError extends Error {
  constructor(
    readonly reason: InboxRefusalReason,
    readonly detail: string,
    readonly index?: number,
  ) {
    super(`InboxRefused[${reason}]: ${detail}`);
    this.name = "InboxRefusedError";
  }
}

/** The refusal an error carries, whether thrown here or received over RPC; null for any other error. */
export function inboxRefusal(error: unknown): InboxRefusal | null {
  if (error instanceof InboxRefusedError) return { reason: error.reason, message: error.detail, ...(error.index === undefined ? {} : { index: error.index }) };
  if (!(error instanceof Error)) return null;
  const match = PATTERN.exec(error.message);
  if (!match) return null;
  return { reason: match[1] as InboxRefusalReason, message: match[2] ?? "" };
}
