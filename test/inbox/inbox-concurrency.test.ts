import { describe, expect, it } from "vitest";
import { count, newAgent } from "../helpers";
import { ack, inboxCounts, poll, send } from "./inbox-helpers";

type Item = { item_id: string; from_agent_id: string; body: { n: number } };

describe("agent inbox under concurrency", () => {
  it("takes 1,000 messages from 20 concurrent senders while being drained, each pollable exactly once and audited once", async () => {
    const receiver = await newAgent();
    const senders = await Promise.all(Array.from({ length: 20 }, () => newAgent()));
    const sentIds: string[] = [];
    let sending = true;

    const sendAll = Promise.all(
      senders.map(async (sender) => {
        for (let n = 0; n < 50; n++) {
          const res = await send(sender, receiver.agentId, { n });
          expect(res.status).toBe(201);
          sentIds.push(res.body.item_id);
        }
      }),
    ).finally(() => {
      sending = false;
    });

    // Two consumers drain it meanwhile: one takes items outright, one leases and acks them.
    const received: Item[] = [];
    const drain = async (leased: boolean) => {
      for (;;) {
        const wasSending = sending;
        const res = await poll(receiver, leased ? "limit=37&lease_seconds=60&wait_seconds=1" : "limit=50&wait_seconds=1");
        expect(res.status).toBe(200);
        const items = res.body.items as Item[];
        received.push(...items);
        if (leased && items.length > 0) expect((await ack(receiver, items.map((i) => i.item_id))).body.unknown).toEqual([]);
        if (items.length === 0 && !wasSending) return;
      }
    };
    await Promise.all([sendAll, drain(false), drain(true)]);

    expect(sentIds).toHaveLength(1000);
    expect(received).toHaveLength(1000);
    expect(new Set(received.map((i) => i.item_id))).toEqual(new Set(sentIds));
    const perSender = new Map<string, number[]>();
    for (const item of received) perSender.set(item.from_agent_id, [...(perSender.get(item.from_agent_id) ?? []), item.body.n]);
    expect(perSender.size).toBe(20);
    for (const ns of perSender.values()) expect(ns.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await inboxCounts(receiver.agentId)).toEqual({ pending: 0, history: 1000 });
    // Concurrent sends share audit writes (group commit), yet each has its own row.
    const audited = await count("SELECT COUNT(DISTINCT json_extract(details, '$.item_id')) AS n FROM _audit_log WHERE action = 'inbox:send' AND resource = ?", `inbox:${receiver.agentId}`);
    expect(audited).toBe(1000);
  }, 120_000);
});
