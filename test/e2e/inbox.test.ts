// Agent inboxes end to end: messages sent with the client, polled under a lease and acked, and pushed
// over a real WebSocket (Node 22's global WebSocket) by a `wrangler dev` server.
import { beforeAll, describe, expect, it } from "vitest";
import { type InboxItem, Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const COORDINATOR = "coordinator";
const WORKER = "worker.agent:b";

describe("agent inbox", () => {
  const local = localServer();
  let coordinator: Switchyard;
  let worker: Switchyard;

  beforeAll(async () => {
    const admin = local.admin();
    for (const agent_id of [COORDINATOR, WORKER]) await admin.agents.create({ agent_id });
    coordinator = local.client((await admin.agents.keys.create(COORDINATOR)).api_key);
    worker = local.client((await admin.agents.keys.create(WORKER)).api_key);
  });

  it("sends messages, polls them under a lease and acks them", async () => {
    const sent = [];
    for (const step of ["gather", "analyse", "write"]) sent.push(await coordinator.inbox.send(WORKER, { type: "task", body: { step } }));
    expect(sent[0]).toMatchObject({ kind: "message", from_agent_id: COORDINATOR, type: "task", body: { step: "gather" } });

    const { items } = await worker.inbox.poll(WORKER, { leaseSeconds: 60, limit: 10 });
    expect(items.map((i) => i.item_id)).toEqual(sent.map((m) => m.item_id));
    expect(items.every((i) => i.lease_expires_at)).toBe(true);
    // Leased: not handed out again meanwhile.
    expect((await worker.inbox.poll(WORKER)).items).toEqual([]);
    expect(await worker.inbox.ack(WORKER, items.map((i) => i.item_id))).toEqual({ acked: sent.map((m) => m.item_id), unknown: [] });

    const history = [];
    for await (const item of worker.inbox.historyAll(WORKER, { limit: 2 })) history.push(item.item_id);
    expect(history).toEqual(sent.map((m) => m.item_id).reverse());
  });

  it("sends a batch in one request, delivered in order, and refuses an oversized one whole, naming the message", async () => {
    const { items: sent } = await coordinator.inbox.sendBatch(WORKER, [{ type: "task", body: { step: 1 } }, { body: { step: 2 } }, { type: "task", body: { step: 3 } }]);
    expect(sent.map((m) => [m.type, m.body])).toEqual([["task", { step: 1 }], ["message", { step: 2 }], ["task", { step: 3 }]]);
    const err = await coordinator.inbox.sendBatch(WORKER, [{ body: "fits" }, { body: "x".repeat(70_000) }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).code).toBe("payload_too_large");
    expect((err as SwitchyardError).details).toMatchObject({ index: 1 });
    const { items } = await worker.inbox.poll(WORKER, { limit: 10 });
    expect(items.map((i) => i.item_id)).toEqual(sent.map((m) => m.item_id));
  });

  it("long-polls until a message arrives", async () => {
    const started = Date.now();
    const waiting = worker.inbox.poll(WORKER, { waitSeconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const sent = await coordinator.inbox.send(WORKER, { body: "ping" });
    const { items } = await waiting;
    expect(items.map((i) => i.item_id)).toEqual([sent.item_id]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("keeps another agent out of the inbox", async () => {
    const err = await coordinator.inbox.poll(WORKER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).code).toBe("forbidden");
  });

  it("pushes a message over the WebSocket as it arrives", async () => {
    const statuses: string[] = [];
    const feed = worker.inbox.subscribe(WORKER, { onStatus: (s) => statuses.push(s) });
    const received: InboxItem[] = [];
    const reading = (async () => {
      for await (const item of feed) {
        received.push(item);
        if (received.length === 2) break;
      }
    })();
    await until(() => statuses.includes("open"));
    const first = await coordinator.inbox.send(WORKER, { type: "alert", body: { level: "high" } });
    const second = await coordinator.inbox.send(WORKER, { body: "and another" });
    await reading;
    expect(received.map((i) => i.item_id)).toEqual([first.item_id, second.item_id]);
    expect(received[0]).toMatchObject({ kind: "message", type: "alert", body: { level: "high" } });
    expect(statuses.at(-1)).toBe("closed");
    // Pushed items were delivered: a poll finds nothing left.
    expect((await worker.inbox.poll(WORKER)).items).toEqual([]);
  });

  it("with a lease, receives what waited while disconnected and acks it", async () => {
    const waiting = await coordinator.inbox.send(WORKER, { body: "sent while nobody listened" });
    const feed = worker.inbox.subscribe(WORKER, { leaseSeconds: 30 });
    for await (const item of feed) {
      expect(item.item_id).toBe(waiting.item_id);
      expect(item.lease_expires_at).toBeDefined();
      expect((await worker.inbox.ack(WORKER, [item.item_id])).acked).toEqual([item.item_id]);
      break;
    }
  });
});

async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
