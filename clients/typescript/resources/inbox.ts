import type * as wire from "../api-types.ts";
import { InboxSubscription, type SubscribeOptions, type WebSocketConstructor } from "../inbox-subscription.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** An inbox item: a trigger's notification or another agent's message, oldest first. */
export type InboxItem = wire.InboxItem;
/** A fired trigger's notification: fetch the memory by `source_memory_id`. */
export type InboxNotification = wire.NotificationItem;
/** A workflow task for this agent: do it, then complete it with `client.tasks.complete`. */
export type InboxTask = Extract<InboxItem, { kind: "task" }>;
/** A direct message from `from_agent_id`. */
export type InboxMessage = wire.MessageItem;
/** The messages a batch send delivered, in the order sent. */
export type InboxMessageBatch = wire.MessageBatch;
/** Which ids an ack delivered and which were no leased item of the inbox. */
export type AckResult = wire.AckResult;
/** What a message carries: a `body` of any JSON and an optional `type` (default `message`). */
export type SendMessageInput = wire.SendMessageInput;

/** Options of a poll. */
export interface PollOptions extends RequestOptions {
  /** At most this many items (1-100, default 10). */
  limit?: number;
  /** With nothing waiting, hold the request up to this many seconds (0-30) until an item arrives. */
  waitSeconds?: number;
  /** Lease the items instead of taking them: ack each once handled, or it comes back after this many seconds. */
  leaseSeconds?: number;
  /** Only items of this kind (a worker loop asks for `task`); the others stay for another poll. */
  kind?: InboxItem["kind"];
}

/**
 * Agent inboxes (`/v1/inbox`): notifications from triggers and messages from other agents. Only the
 * agent itself (or an admin) reads its inbox; any agent may send to it.
 *
 * @example
 * for (;;) {
 *   const { items } = await client.inbox.poll("agent-b", { waitSeconds: 30, leaseSeconds: 60 });
 *   for (const item of items) await handle(item);
 *   if (items.length) await client.inbox.ack("agent-b", items.map((i) => i.item_id));
 * }
 */
export class InboxResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * The oldest items: `GET /v1/inbox/{agent_id}`. Without `leaseSeconds` they are delivered and never
   * returned again; with it they are leased. `waitSeconds` makes it a long poll.
   */
  async poll(agentId: string, options: PollOptions = {}): Promise<{ items: InboxItem[] }> {
    const { limit, waitSeconds, leaseSeconds, kind, ...requestOptions } = options;
    // A long poll is answered only once its wait is over: give it that long, plus the usual margin.
    const timeoutMs = requestOptions.timeoutMs ?? (waitSeconds ? waitSeconds * 1000 + 30_000 : undefined);
    return this.#transport.request({
      method: "GET",
      path: path`/v1/inbox/${agentId}`,
      query: { limit, wait_seconds: waitSeconds, lease_seconds: leaseSeconds, kind },
      options: { ...requestOptions, timeoutMs },
    });
  }

  /** Acks leased items, which are then delivered: `POST /v1/inbox/{agent_id}/ack`. */
  async ack(agentId: string, itemIds: string[], options?: RequestOptions): Promise<AckResult> {
    return this.#transport.request({
      method: "POST",
      path: path`/v1/inbox/${agentId}/ack`,
      body: { item_ids: itemIds },
      // Acking again does no harm (a repeat reports the ids as unknown).
      replayable: true,
      options,
    });
  }

  /** Sends a direct message from this client's agent: `POST /v1/inbox/{agent_id}/messages`. */
  async send(agentId: string, message: SendMessageInput, options?: CreateOptions): Promise<InboxMessage> {
    return this.#transport.request({ method: "POST", path: path`/v1/inbox/${agentId}/messages`, body: message, creates: true, options });
  }

  /**
   * Sends up to 100 direct messages at once, stored in the order given, all or none:
   * `POST /v1/inbox/{agent_id}/messages/batch`. One request instead of one per message, for senders
   * with much to say to one agent; an invalid or oversized message refuses the lot and its error names
   * the message's index. One Idempotency-Key covers the whole batch.
   */
  async sendBatch(agentId: string, messages: SendMessageInput[], options?: CreateOptions): Promise<InboxMessageBatch> {
    return this.#transport.request({ method: "POST", path: path`/v1/inbox/${agentId}/messages/batch`, body: { messages }, creates: true, options });
  }

  /** One page of delivered items, most recently delivered first: `GET /v1/inbox/{agent_id}/history`. */
  async history(agentId: string, page: PageOptions = {}, options?: RequestOptions): Promise<Page<InboxItem>> {
    return this.#transport.request({ method: "GET", path: path`/v1/inbox/${agentId}/history`, query: { ...page }, options });
  }

  /** Every delivered item the inbox keeps, fetching pages as the loop goes. */
  historyAll(agentId: string, page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<InboxItem, void, undefined> {
    return paginate((cursor) => this.history(agentId, { ...page, cursor }, options));
  }

  /**
   * Items pushed over a WebSocket (`GET /v1/inbox/{agent_id}/connect`) as they arrive, reconnecting
   * with backoff when the connection drops. Iterate it with `for await`; `close()` (or `signal`) ends it.
   *
   * @example
   * const feed = client.inbox.subscribe("agent-b", { leaseSeconds: 60 });
   * for await (const item of feed) {
   *   await handle(item);
   *   await client.inbox.ack("agent-b", [item.item_id]);
   * }
   */
  subscribe(agentId: string, options: SubscribeOptions = {}): InboxSubscription {
    const { url, protocols } = this.#transport.webSocketTarget(path`/v1/inbox/${agentId}/connect`, { lease_seconds: options.leaseSeconds });
    const Socket = options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Socket) throw new TypeError("Switchyard: no global WebSocket here (Node 22+ and browsers have one); pass `WebSocket` in the options.");
    return new InboxSubscription(() => new Socket(url, protocols), options);
  }
}
