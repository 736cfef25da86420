import { itemsFor, type InboxStore, type PendingRow } from "./inbox-store";
import { INBOX_SUBPROTOCOL, type AckResult, type InboxItem } from "./inbox-types";

/** Every inbox connection carries this tag, so the object finds them again after hibernating. */
const TAG = "inbox";
/** At most this many items per frame, and about this many bytes: a large backlog goes out in pulls. */
const FRAME_ITEMS = 100;
const FRAME_BYTES = 512 * 1024;

/** Survives hibernation with the socket: how pushed items are handed out, and who connected. */
interface SocketAttachment {
  agent_id: string;
  lease_seconds: number | null;
  connected_by: string;
}

export interface ConnectOptions {
  agentId: string;
  leaseSeconds: number | null;
  connectedBy: string;
}

/** Frames the client may send. `ping` is answered by the runtime without waking the object. */
type ClientFrame = { type: "ack"; item_ids: string[] } | { type: "pull" };

/**
 * The inbox's WebSocket connections (Hibernation API). Items are pushed oldest first as they become
 * available: at connect (the backlog), on every delivery, when a lease runs out, and when the client
 * pulls after a frame that said `more`. Without a lease a pushed item is delivered once a connection
 * took it; with `lease_seconds` it is leased and comes back unless acked over the socket or by HTTP.
 */
export class InboxSockets {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly inbox: InboxStore,
    /** Told of every batch of items handed out over a socket (task hand-outs are reported to their runs). */
    private readonly handedOut: (items: InboxItem[], nowMs: number) => void = () => undefined,
  ) {
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  get connected(): boolean {
    return this.ctx.getWebSockets(TAG).length > 0;
  }

  accept(request: Request, options: ConnectOptions, nowMs: number): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [TAG]);
    server.serializeAttachment({ agent_id: options.agentId, lease_seconds: options.leaseSeconds, connected_by: options.connectedBy } satisfies SocketAttachment);
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const headers = offered.includes(INBOX_SUBPROTOCOL) ? { "sec-websocket-protocol": INBOX_SUBPROTOCOL } : undefined;
    this.pushAvailable(nowMs);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Sends the oldest available items to every connection, then hands them out: delivered if any
   * connection takes items without a lease, else leased for the shortest lease asked for. Nothing is
   * handed out unless at least one connection took the frame.
   */
  pushAvailable(nowMs: number): void {
    const sockets = this.ctx.getWebSockets(TAG);
    if (sockets.length === 0) return;
    const rows = fitFrame(this.inbox.available(FRAME_ITEMS, nowMs));
    if (rows.length === 0) return;
    const lease = leaseFor(sockets);
    const items = itemsFor(rows, lease, nowMs);
    // `more` is decided before sending: the rows after this frame are available now and stay so.
    const more = this.inbox.available(rows.length + 1, nowMs).length > rows.length;
    const frame = JSON.stringify({ type: "items", items, more });
    let taken = 0;
    for (const ws of sockets) {
      try {
        ws.send(frame);
        taken++;
      } catch {
        // A connection closing right now: the others (or a later poll) get the items.
      }
    }
    if (taken > 0) {
      this.inbox.markHandedOut(rows, lease, nowMs);
      this.handedOut(items, nowMs);
    }
  }

  /** Handles a client frame; returns the ack result when items were acked (for the audit log). */
  receive(ws: WebSocket, message: string | ArrayBuffer, nowMs: number): { result: AckResult; agentId: string; by: string } | null {
    const frame = parseFrame(message);
    if (!frame) {
      ws.send(JSON.stringify({ type: "error", message: 'Send {"type":"ack","item_ids":[...]}, {"type":"pull"} or {"type":"ping"} as JSON text.' }));
      return null;
    }
    if (frame.type === "pull") {
      this.pushAvailable(nowMs);
      return null;
    }
    const result = this.inbox.ack(frame.item_ids, nowMs);
    ws.send(JSON.stringify({ type: "acked", ...result }));
    const { agent_id, connected_by } = attachmentOf(ws);
    return { result, agentId: agent_id, by: connected_by };
  }
}

function attachmentOf(ws: WebSocket): SocketAttachment {
  return ws.deserializeAttachment() as SocketAttachment;
}

/** Delivered on push if any connection asked for that; otherwise the shortest lease any asked for. */
function leaseFor(sockets: WebSocket[]): number | undefined {
  let shortest: number | undefined;
  for (const ws of sockets) {
    const lease = attachmentOf(ws).lease_seconds;
    if (lease === null) return undefined;
    shortest = shortest === undefined ? lease : Math.min(shortest, lease);
  }
  return shortest;
}

/** The longest prefix within the frame's byte budget, and always at least one item. */
function fitFrame(rows: PendingRow[]): PendingRow[] {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += rows[i]!.payload.length;
    if (bytes > FRAME_BYTES && i > 0) return rows.slice(0, i);
  }
  return rows;
}

function parseFrame(message: string | ArrayBuffer): ClientFrame | null {
  if (typeof message !== "string") return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const frame = parsed as { type?: unknown; item_ids?: unknown };
  if (frame.type === "pull") return { type: "pull" };
  if (frame.type === "ack" && Array.isArray(frame.item_ids) && frame.item_ids.length <= 100 && frame.item_ids.every((id) => typeof id === "string"))
    return { type: "ack", item_ids: frame.item_ids as string[] };
  return null;
}
