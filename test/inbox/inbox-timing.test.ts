import { describe, expect, it } from "vitest";
import { newAgent } from "../helpers";
import { ack, poll, send, sleep } from "./inbox-helpers";

const ids = (res: { body: { items: { item_id: string }[] } }) => res.body.items.map((i) => i.item_id);

describe("agent inbox: leases", () => {
  it("hands a leased item out again once its lease runs out", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const id = (await send(a, b.agentId, "work")).body.item_id;
    const first = await poll(b, "lease_seconds=1");
    expect(ids(first)).toEqual([id]);
    expect(ids(await poll(b, "lease_seconds=1"))).toEqual([]);
    await sleep(1100);
    const again = await poll(b, "lease_seconds=1");
    expect(ids(again)).toEqual([id]);
    expect(again.body.items[0].lease_expires_at > first.body.items[0].lease_expires_at).toBe(true);
  });

  it("does not hand out an acked item again", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const id = (await send(a, b.agentId, "work")).body.item_id;
    await poll(b, "lease_seconds=1");
    expect((await ack(b, [id])).body.acked).toEqual([id]);
    await sleep(1100);
    expect(ids(await poll(b))).toEqual([]);
  });

  it("accepts the ack of an expired lease until another poll takes the item", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const id = (await send(a, b.agentId, "slow work")).body.item_id;
    await poll(b, "lease_seconds=1");
    await sleep(1100);
    expect((await ack(b, [id])).body).toEqual({ acked: [id], unknown: [] });
    expect(ids(await poll(b))).toEqual([]);
  });
});

describe("agent inbox: long polling", () => {
  it("returns as soon as an item arrives", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const started = Date.now();
    const waiting = poll(b, "wait_seconds=10").then((res) => ({ res, at: Date.now() }));
    await sleep(300);
    const sent = await send(a, b.agentId, "wake up");
    const sentAt = Date.now();
    const { res, at } = await waiting;
    expect(ids(res)).toEqual([sent.body.item_id]);
    expect(at - started).toBeGreaterThanOrEqual(300);
    // Woken by the delivery, not by a timer: well under the 10 s it would otherwise wait.
    expect(at - sentAt).toBeLessThan(500);
  });

  it("answers an empty list once the wait ends", async () => {
    const b = await newAgent();
    const started = Date.now();
    const res = await poll(b, "wait_seconds=1");
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
  });

  it("answers at once when items are waiting", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    await send(a, b.agentId, "ready");
    const started = Date.now();
    expect((await poll(b, "wait_seconds=30")).body.items).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("wakes when a lease runs out and its item is available again", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const id = (await send(a, b.agentId, "retry me")).body.item_id;
    await poll(b, "lease_seconds=1");
    const started = Date.now();
    const res = await poll(b, "wait_seconds=5");
    expect(ids(res)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("gives each arriving item to one of several waiting polls", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const waiting = [poll(b, "wait_seconds=2"), poll(b, "wait_seconds=2"), poll(b, "wait_seconds=2")];
    await sleep(200);
    const sent = [(await send(a, b.agentId, 1)).body.item_id, (await send(a, b.agentId, 2)).body.item_id];
    const got = (await Promise.all(waiting)).flatMap(ids);
    expect(got.sort()).toEqual(sent.sort());
  });
});
