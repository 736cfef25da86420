import { DurableObject } from "cloudflare:workers";
import { auditInsert } from "../src/audit/audit-log";
import { database } from "../src/db/client";
import { Arrivals } from "./agent/arrivals";
import { inboxRefusal, type InboxRefusal } from "./agent/inbox-errors";
import { parseInboxItemInput } from "./agent/inbox-input";
import { InboxSockets } from "./agent/inbox-sockets";
import { InboxStore } from "./agent/inbox-store";
import type { AckResult, DeliverResult, HistoryPage, InboxItem, InboxItemInput, OutgoingMessage, PollOptions, Sender, SentMessages } from "./agent/inbox-types";
import { SendAudit } from "./agent/send-audit";
import { type Admission, RequestWindow } from "./agent/request-window";
import { reportTaskHandOuts } from "./agent/task-hand-outs";
import { StateStore, type StateDelete, type StateKeySummary, type StateRecord, type StateWrite } from "./agent/state-store";

/**
 * One agent's consistency unit: its durable state and its inbox (notifications and messages).
 * Everything that must be serialised for one agent happens in here.
 */
export class AgentObject extends DurableObject<Env> {
  private readonly state: StateStore;
  private readonly inbox: InboxStore;
  private readonly sockets: InboxSockets;
  private readonly arrivals = new Arrivals();
  private readonly sendAudit: SendAudit;
  private readonly requests: RequestWindow;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.state = new StateStore(ctx.storage.sql);
    this.inbox = new InboxStore(ctx.storage);
    this.sockets = new InboxSockets(ctx, this.inbox, (items, now) => reportTaskHandOuts(env, items, now));
    this.sendAudit = new SendAudit(env);
    this.requests = new RequestWindow(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      AgentObject.migrate(ctx.storage.sql);
    });
  }

  private static migrate(sql: SqlStorage): void {
    StateStore.migrate(sql);
    InboxStore.migrate(sql);
    RequestWindow.migrate(sql);
  }

  /** One request of this agent against the deployment's `requests_per_minute` (see agent/request-window.ts). */
  admitRequest(limit: number): Admission {
    return this.requests.admit("", limit, Date.now());
  }

  getState(key: string): StateRecord | null {
    return this.state.get(key);
  }

  putState(key: string, value: string, expectedVersion: number | undefined, by: string, now: string): StateWrite {
    return this.state.put(key, value, expectedVersion, by, now);
  }

  deleteState(key: string, expectedVersion: number | undefined): StateDelete {
    return this.state.delete(key, expectedVersion);
  }

  listState(after: string | undefined, limit: number): StateKeySummary[] {
    return this.state.list(after, limit);
  }

  /**
   * Puts one item into the inbox, at most once per `dedupe_key`. Refuses an item over the size limit or
   * an inbox at its depth limit with an `InboxRefusedError` (read it with `inboxRefusal`).
   */
  async deliver(input: InboxItemInput): Promise<DeliverResult> {
    const now = Date.now();
    const result = this.inbox.deliver(parseInboxItemInput(input), now);
    if (!result.duplicate) this.itemsArrived(now);
    return result;
  }

  /**
   * Direct messages from another agent (or an admin), stored in the order given, all or none, then
   * audited (one row each; see SendAudit, which also confirms the agent exists). Answers their ids and
   * `created_at` for the sender's 201, or the refusal (answered, not thrown: a refused send is an
   * expected outcome, not a failure), or `no_agent` when this inbox's agent does not exist (the
   * messages are then taken back before anyone with a key of that agent could see them).
   */
  async sendMessages(to: string, messages: OutgoingMessage[], sender: Sender): Promise<SentMessages | InboxRefusal | { reason: "no_agent" }> {
    const now = Date.now();
    let itemIds: string[];
    try {
      const inputs = messages.map(({ type, body }) => parseInboxItemInput({ kind: "message", from_agent_id: sender.agentId, type, body }));
      itemIds = this.inbox.deliverAll(inputs, now);
    } catch (error) {
      const refusal = inboxRefusal(error);
      if (refusal) return refusal;
      throw error;
    }
    this.itemsArrived(now);
    const entries = itemIds.map((item_id, i) => ({
      ...sender,
      action: "inbox:send",
      resource: `inbox:${to}`,
      status: "success" as const,
      details: { item_id, type: messages[i]!.type },
    }));
    let recorded: boolean;
    try {
      recorded = await this.sendAudit.record(to, entries);
    } catch (error) {
      // Unaudited, so not sent: the sender hears the failure and may retry.
      this.inbox.retractAll(itemIds);
      throw error;
    }
    if (!recorded) {
      this.inbox.retractAll(itemIds);
      return { reason: "no_agent" };
    }
    // The store stamps a message's `created_at` with the same instant.
    const createdAt = new Date(now).toISOString();
    return { items: itemIds.map((item_id) => ({ item_id, created_at: createdAt })) };
  }

  /** The oldest available items, handed out (delivered, or leased); waits up to `wait_seconds` for one. */
  async poll(options: PollOptions): Promise<InboxItem[]> {
    const deadline = Date.now() + options.wait_seconds * 1000;
    for (;;) {
      const now = Date.now();
      const items = this.inbox.handOut(this.inbox.available(options.limit, now, options.kind), options.lease_seconds, now);
      if (items.length > 0 || now >= deadline) {
        if (options.lease_seconds !== undefined) this.scheduleLeaseAlarm(now);
        reportTaskHandOuts(this.env, items, now);
        return items;
      }
      // Wake on a delivery, or when a lease runs out and its item is available again.
      const leaseExpiry = this.inbox.nextLeaseExpiry(now) ?? Number.POSITIVE_INFINITY;
      await this.arrivals.wait(Math.min(deadline, leaseExpiry) - now);
    }
  }

  /** Takes back a task its run cancelled or retried, if it is still waiting here (true when it was). */
  async retractTask(taskId: string): Promise<boolean> {
    return this.inbox.retract(taskId);
  }

  async ack(itemIds: string[]): Promise<AckResult> {
    return this.inbox.ack(itemIds, Date.now());
  }

  async history(limit: number, before: number | undefined): Promise<HistoryPage> {
    return this.inbox.history(limit, before);
  }

  /** Only WebSocket upgrades come here, from the Worker's `/v1/inbox/{agent_id}/connect` once it authorised them. */
  override async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const lease = params.get("lease_seconds");
    const now = Date.now();
    const options = { agentId: params.get("agent_id") ?? "", leaseSeconds: lease === null ? null : Number(lease), connectedBy: params.get("by") ?? "" };
    const response = this.sockets.accept(request, options, now);
    this.scheduleLeaseAlarm(now);
    return response;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const now = Date.now();
    const outcome = this.sockets.receive(ws, message, now);
    this.scheduleLeaseAlarm(now);
    if (!outcome || outcome.result.acked.length === 0) return;
    await auditInsert(database(this.env), {
      agentId: outcome.by,
      action: "inbox:ack",
      resource: `inbox:${outcome.agentId}`,
      status: "success",
      details: { item_ids: outcome.result.acked, via: "websocket" },
    });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed from this side: nothing left to do.
    }
  }

  /** Only used while connections are open: a lease that ran out makes its item available to push again. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sockets.pushAvailable(now);
    this.scheduleLeaseAlarm(now);
  }

  /** Called when the agent is deleted: nothing of it may outlive it, inbox included. */
  async erase(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(1000, "agent deleted");
    await this.ctx.storage.deleteAll();
    this.inbox.reset();
    this.requests.reset();
    this.arrivals.wakeAll();
    // The same id may be created again: it starts empty, with its tables in place.
    AgentObject.migrate(this.ctx.storage.sql);
  }

  private itemsArrived(now: number): void {
    this.sockets.pushAvailable(now);
    this.scheduleLeaseAlarm(now);
    this.arrivals.wakeAll();
  }

  private scheduleLeaseAlarm(now: number): void {
    if (!this.sockets.connected) return;
    const expiry = this.inbox.nextLeaseExpiry(now);
    if (expiry !== null) void this.ctx.storage.setAlarm(expiry);
  }
}
