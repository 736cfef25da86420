// The client's WebSocket subscription against a fake socket: frames, pulls, reconnects with backoff.
import { describe, expect, it } from "vitest";
import { type InboxItem, type SocketLike, Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";

type Listener = (event: { data?: unknown; code?: number; reason?: string }) => void;

class FakeSocket implements SocketLike {
  static made: FakeSocket[] = [];
  static refuse = 0;
  readonly sent: string[] = [];
  readonly listeners = new Map<string, Listener[]>();
  closedWith: number | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {
    FakeSocket.made.push(this);
    const refused = FakeSocket.refuse > 0;
    if (refused) FakeSocket.refuse--;
    setTimeout(() => (refused ? this.emit("close", { code: 1006 }) : this.emit("open", {})), 1);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    setTimeout(() => this.emit("close", { code }), 1);
  }
  addEventListener(type: string, listener: Listener) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: Parameters<Listener>[0]) {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }
  push(items: Partial<InboxItem>[], more = false) {
    this.emit("message", { data: JSON.stringify({ type: "items", items, more }) });
  }
}

const client = (apiKey = "sy_abc123") => new Switchyard({ baseUrl: "https://sy.example/base/", apiKey });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("client.inbox.subscribe", () => {
  it("connects to the wss URL with the key as a subprotocol and yields pushed items in order", async () => {
    FakeSocket.made = [];
    const feed = client().inbox.subscribe("agent b", { WebSocket: FakeSocket, leaseSeconds: 30 });
    await tick();
    const socket = FakeSocket.made[0]!;
    expect(socket.url).toBe("wss://sy.example/base/v1/inbox/agent%20b/connect?lease_seconds=30");
    expect(socket.protocols).toEqual(["switchyard", "switchyard.key.sy_abc123"]);
    socket.push([{ item_id: "msg_1" }, { item_id: "msg_2" }], true);
    const got: string[] = [];
    for await (const item of feed) {
      got.push(item.item_id);
      if (got.length === 2) {
        // The frame said `more`: the next read asks for the rest.
        setTimeout(() => socket.push([{ item_id: "msg_3" }]), 5);
      }
      if (got.length === 3) break;
    }
    expect(got).toEqual(["msg_1", "msg_2", "msg_3"]);
    expect(socket.sent).toContain('{"type":"pull"}');
    expect(socket.closedWith).toBe(1000);
  });

  it("puts a key that is no subprotocol token in the query string", async () => {
    FakeSocket.made = [];
    client("admin token/with=odd chars").inbox.subscribe("b", { WebSocket: FakeSocket }).close();
    expect(FakeSocket.made[0]!.url).toBe("wss://sy.example/base/v1/inbox/b/connect?api_key=admin+token%2Fwith%3Dodd+chars");
    expect(FakeSocket.made[0]!.protocols).toEqual(["switchyard"]);
  });

  it("reconnects with growing delays after the connection drops, and keeps yielding", async () => {
    FakeSocket.made = [];
    FakeSocket.refuse = 0;
    const statuses: { status: string; delayMs?: number }[] = [];
    const feed = client().inbox.subscribe("b", { WebSocket: FakeSocket, minBackoffMs: 10, onStatus: (status, d) => statuses.push({ status, delayMs: d?.delayMs }) });
    await tick();
    FakeSocket.refuse = 2;
    FakeSocket.made[0]!.emit("close", { code: 1006 });
    await tick(150);
    expect(FakeSocket.made).toHaveLength(4);
    const delays = statuses.filter((s) => s.status === "reconnecting").map((s) => s.delayMs!);
    expect(delays).toHaveLength(3);
    expect(delays[2]!).toBeGreaterThanOrEqual(20);
    FakeSocket.made[3]!.push([{ item_id: "msg_after" }]);
    for await (const item of feed) {
      expect(item.item_id).toBe("msg_after");
      break;
    }
  });

  it("gives up after maxReconnects failed attempts and throws from the loop", async () => {
    FakeSocket.made = [];
    FakeSocket.refuse = 10;
    const feed = client().inbox.subscribe("b", { WebSocket: FakeSocket, minBackoffMs: 1, maxReconnects: 2 });
    const err = await (async () => {
      for await (const _ of feed) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).code).toBe("connection_error");
    FakeSocket.refuse = 0;
  });

  it("ends on close() and on the signal, finishing a pending loop", async () => {
    const controller = new AbortController();
    const feed = client().inbox.subscribe("b", { WebSocket: FakeSocket, signal: controller.signal });
    const loop = (async () => {
      for await (const _ of feed) void _;
      return "done";
    })();
    await tick();
    controller.abort();
    expect(await loop).toBe("done");
  });
});
