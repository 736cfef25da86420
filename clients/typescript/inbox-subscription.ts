import { SwitchyardError } from "./errors.ts";
import type { InboxItem } from "./resources/inbox.ts";

/** The parts of a WebSocket a subscription uses: Node 22's global, a browser's, or any with this shape. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string[]) => SocketLike;

/** Options of {@link InboxResource.subscribe}. */
export interface SubscribeOptions {
  /**
   * Lease pushed items for this many seconds instead of having them count as delivered when pushed:
   * ack each (`client.inbox.ack`) once handled, or it is pushed again after the lease. Without it a
   * pushed item is delivered the moment it is sent, so an item in flight when the connection drops
   * is lost (at most once); with it nothing is lost (at least once).
   */
  leaseSeconds?: number;
  /** Ends the subscription, like `close()`. */
  signal?: AbortSignal;
  /** The WebSocket class (default: the global one, as in Node 22 and browsers). */
  WebSocket?: WebSocketConstructor;
  /** First reconnect delay (default 250 ms); it doubles per failed attempt, with jitter, up to `maxBackoffMs`. */
  minBackoffMs?: number;
  /** Longest reconnect delay (default 30 s). */
  maxBackoffMs?: number;
  /** Give up after this many consecutive failed connection attempts (default: never); the iteration then throws. */
  maxReconnects?: number;
  /** How often to check the connection with a ping (default 30 s); one with no answer by the next check is replaced. */
  heartbeatMs?: number;
  /** Told about each connection change, e.g. for logs. */
  onStatus?: (status: "open" | "reconnecting" | "closed", detail?: { attempt: number; delayMs: number }) => void;
}

type Frame = { type: "items"; items: InboxItem[]; more: boolean } | { type: string };

/**
 * A live feed of an agent's inbox over WebSocket: iterate it (`for await`) to receive items, oldest
 * first, as they arrive; `close()` ends it. A dropped connection is reopened with exponential backoff,
 * and the server pushes whatever waited meanwhile.
 */
export class InboxSubscription implements AsyncIterable<InboxItem> {
  readonly #connect: () => SocketLike;
  readonly #options: SubscribeOptions;
  readonly #buffer: InboxItem[] = [];
  #wake: (() => void) | undefined;
  #socket: SocketLike | undefined;
  #closed = false;
  #failure: SwitchyardError | undefined;
  #failedAttempts = 0;
  #morePending = false;
  #heard = true;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(connect: () => SocketLike, options: SubscribeOptions) {
    this.#connect = connect;
    this.#options = options;
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    if (options.signal?.aborted) this.close();
    else this.#open();
  }

  /** Ends the subscription: the connection closes and a pending iteration finishes. Items not yet taken are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopHeartbeat();
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#socket?.close(1000, "closed by the client");
    this.#options.onStatus?.("closed");
    this.#notify();
  }

  /** Leaving a `for await` loop early (break, return, throw) closes the subscription. */
  async *[Symbol.asyncIterator](): AsyncIterator<InboxItem> {
    try {
      yield* this.#items();
    } finally {
      this.close();
    }
  }

  async *#items(): AsyncGenerator<InboxItem, void, undefined> {
    for (;;) {
      const item = this.#buffer.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.#failure) throw this.#failure;
      if (this.#closed) return;
      if (this.#morePending) {
        this.#morePending = false;
        this.#socket?.send('{"type":"pull"}');
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #open(): void {
    let socket: SocketLike;
    try {
      socket = this.#connect();
    } catch (err) {
      this.#fail(new SwitchyardError({ status: 0, code: "connection_error", message: `Could not open the inbox WebSocket: ${String(err)}` }, { cause: err }));
      return;
    }
    this.#socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.#failedAttempts = 0;
      this.#heard = true;
      this.#startHeartbeat(socket);
      this.#options.onStatus?.("open");
    });
    socket.addEventListener("message", (event) => {
      this.#heard = true;
      if (typeof event.data !== "string") return;
      let frame: Frame;
      try {
        frame = JSON.parse(event.data) as Frame;
      } catch {
        return; // not a frame of this protocol: nothing to deliver
      }
      this.#receive(frame);
    });
    socket.addEventListener("close", () => {
      if (this.#socket !== socket) return;
      this.#stopHeartbeat();
      this.#socket = undefined;
      if (!opened) this.#failedAttempts++;
      if (!this.#closed) this.#reconnect();
    });
  }

  #receive(frame: Frame): void {
    if (frame.type !== "items" || !("items" in frame)) return;
    this.#buffer.push(...frame.items);
    this.#morePending = frame.more;
    this.#notify();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #startHeartbeat(socket: SocketLike): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (!this.#heard) {
        // Nothing came back since the last ping: the connection is dead without having said so.
        socket.close(4000, "no answer to ping");
        return;
      }
      this.#heard = false;
      socket.send('{"type":"ping"}');
    }, this.#options.heartbeatMs ?? 30_000);
  }

  #reconnect(): void {
    const attempt = this.#failedAttempts;
    if (this.#options.maxReconnects !== undefined && attempt > this.#options.maxReconnects) {
      this.#fail(new SwitchyardError({ status: 0, code: "connection_error", message: `The inbox WebSocket failed ${attempt} times in a row; giving up.` }));
      return;
    }
    const min = this.#options.minBackoffMs ?? 250;
    const ceiling = Math.min(this.#options.maxBackoffMs ?? 30_000, min * 2 ** attempt);
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    this.#options.onStatus?.("reconnecting", { attempt, delayMs });
    this.#retry = setTimeout(() => this.#open(), delayMs);
  }

  #fail(error: SwitchyardError): void {
    this.#failure = error;
    this.close();
  }
}
