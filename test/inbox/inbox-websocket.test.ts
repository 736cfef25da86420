import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, count, expectError, invalidPaths, newAgent } from "../helpers";
import { type Agent, inboxCounts, poll, send, sleep } from "./inbox-helpers";

type Frame = { type: string; items?: { item_id: string; body: unknown; lease_expires_at?: string }[]; more?: boolean; acked?: string[]; unknown?: string[] };

/** A test's end of an inbox WebSocket: every frame it received, and a way to wait for the next ones. */
class Socket {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  constructor(
    readonly ws: WebSocket,
    readonly response: Response,
  ) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(event.data as string) as Frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get items() {
    return this.frames.flatMap((f) => f.items ?? []);
  }

  /** Waits until `predicate` holds over the frames received so far (or fails after `ms`). */
  async until(predicate: (s: Socket) => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(left)]);
    }
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }
}

async function upgrade(agentId: string, init: { key?: string; query?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { upgrade: "websocket", ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  return SELF.fetch(`https://switchyard.test/v1/inbox/${agentId}/connect${init.query ? `?${init.query}` : ""}`, { headers });
}

async function connect(agent: Agent, query?: string): Promise<Socket> {
  const res = await upgrade(agent.agentId, { key: agent.key, query });
  expect(res.status).toBe(101);
  return new Socket(res.webSocket!, res);
}

describe("agent inbox over WebSocket", () => {
  it("pushes new items as they arrive, delivered once pushed", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const socket = await connect(b);
    const sent = await send(a, b.agentId, { hello: "socket" });
    await socket.until((s) => s.items.length === 1);
    expect(socket.frames[0]).toEqual({ type: "items", items: [sent.body], more: false });
    expect((await poll(b)).body.items).toEqual([]);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 1 });
    socket.ws.close(1000);
  });

  it("pushes the waiting backlog at connect, oldest first, in frames the client pulls", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await send(a, b.agentId, i)).body.item_id);
    const socket = await connect(b);
    await socket.until((s) => s.items.length === 3);
    expect(socket.items.map((i) => i.item_id)).toEqual(ids);
    socket.ws.close(1000);
  });

  it("pages a large backlog: a frame says `more` and a pull brings the next", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    await Promise.all(Array.from({ length: 120 }, (_, i) => send(a, b.agentId, i)));
    const socket = await connect(b);
    await socket.until((s) => s.frames.length === 1);
    expect(socket.frames[0]).toMatchObject({ type: "items", more: true });
    expect(socket.frames[0]!.items).toHaveLength(100);
    socket.send({ type: "pull" });
    await socket.until((s) => s.items.length === 120);
    expect(socket.frames[1]).toMatchObject({ more: false });
    expect(new Set(socket.items.map((i) => i.item_id)).size).toBe(120);
    socket.ws.close(1000);
  });

  it("with lease_seconds, leases pushed items: acked over the socket they are delivered, else pushed again", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const socket = await connect(b, "lease_seconds=1");
    const first = (await send(a, b.agentId, "ack me")).body.item_id;
    const second = (await send(a, b.agentId, "let me expire")).body.item_id;
    await socket.until((s) => s.items.length === 2);
    expect(socket.items[0]!.lease_expires_at).toBeDefined();
    socket.send({ type: "ack", item_ids: [first, "msg_nope"] });
    await socket.until((s) => s.frames.some((f) => f.type === "acked"));
    expect(socket.frames.find((f) => f.type === "acked")).toEqual({ type: "acked", acked: [first], unknown: ["msg_nope"] });
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'inbox:ack' AND resource = ?", `inbox:${b.agentId}`)).toBe(1);
    // The unacked one comes back when its lease runs out (the object's alarm pushes it again).
    await socket.until((s) => s.items.filter((i) => i.item_id === second).length === 2, 4000);
    expect(socket.items.filter((i) => i.item_id === first)).toHaveLength(1);
    socket.ws.close(1000);
  });

  it("answers ping with pong and a malformed frame with an error frame", async () => {
    const b = await newAgent();
    const socket = await connect(b);
    socket.send({ type: "ping" });
    await socket.until((s) => s.frames.some((f) => f.type === "pong"));
    socket.send("not json");
    socket.send({ type: "ack", item_ids: "x" });
    await socket.until((s) => s.frames.filter((f) => f.type === "error").length === 2);
    socket.ws.close(1000);
  });

  it("pushes every item to every open connection of the agent", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const [one, two] = [await connect(b), await connect(b)];
    const id = (await send(a, b.agentId, "both")).body.item_id;
    await one.until((s) => s.items.length === 1);
    await two.until((s) => s.items.length === 1);
    expect([one.items[0]!.item_id, two.items[0]!.item_id]).toEqual([id, id]);
    one.ws.close(1000);
    two.ws.close(1000);
  });

  it("accepts a browser's key as a subprotocol (answering `switchyard`) or as ?api_key=", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const viaProtocol = await upgrade(b.agentId, { headers: { "sec-websocket-protocol": `switchyard, switchyard.key.${b.key}` } });
    expect(viaProtocol.status).toBe(101);
    expect(viaProtocol.headers.get("sec-websocket-protocol")).toBe("switchyard");
    const viaQuery = await upgrade(b.agentId, { query: `api_key=${b.key}` });
    expect(viaQuery.status).toBe(101);
    const sockets = [new Socket(viaProtocol.webSocket!, viaProtocol), new Socket(viaQuery.webSocket!, viaQuery)];
    await send(a, b.agentId, "hi");
    for (const s of sockets) {
      await s.until((x) => x.items.length === 1);
      s.ws.close(1000);
    }
    // Only upgrades authenticate this way.
    expectError(await api("GET", `/v1/inbox/${b.agentId}?api_key=${b.key}`, { key: null }), 401, "unauthorized");
  });

  it("refuses the unauthenticated, other agents, non-upgrades and bad parameters", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    expect((await upgrade(b.agentId)).status).toBe(401);
    expect((await upgrade(b.agentId, { query: "api_key=sy_wrong" })).status).toBe(401);
    const other = await upgrade(b.agentId, { key: a.key });
    expect(other.status).toBe(403);
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = ?", a.agentId, `inbox:${b.agentId}`)).toBe(1);
    expect(invalidPaths(await api("GET", `/v1/inbox/${b.agentId}/connect`, { key: b.key }))).toEqual(["Upgrade"]);
    expect((await upgrade(b.agentId, { key: b.key, query: "lease_seconds=0" })).status).toBe(400);
    expect((await upgrade("no-such-agent-here", { key: ADMIN })).status).toBe(404);
  });

  it("closes the connections of a deleted agent", async () => {
    const b = await newAgent();
    const socket = await connect(b);
    const closed = new Promise<number>((resolve) => socket.ws.addEventListener("close", (e) => resolve(e.code)));
    expect((await api("DELETE", `/v1/agents/${b.agentId}`)).status).toBe(200);
    expect(await closed).toBe(1000);
  });
});
