import { describe, expect, it } from "vitest";
import { inboxRefusal } from "../../durable-objects/agent/inbox-errors";
import type { InboxItemInput, NotificationFields } from "../../durable-objects/agent/inbox-types";
import { INBOX_LIMITS } from "../../durable-objects/agent/inbox-types";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { agentStub, fillInbox, inboxCounts, poll, send } from "./inbox-helpers";

const notification = (n: number): NotificationFields => ({
  notification_id: `ntf_test${n}`,
  trigger_id: "trg_test",
  trigger_name: "customer segment insights",
  source_memory_id: `mem_test${n}`,
  agent_id: "agent-a",
  score: 0.91,
  created_at: "2026-11-21T10:30:00.000Z",
});

const notify = (n: number, dedupeKey = `trg_test:mem_test${n}`): InboxItemInput => ({ kind: "notification", dedupe_key: dedupeKey, notification: notification(n) });

describe("agent inbox: deliver (the trigger engine's RPC)", () => {
  it("delivers a notification that polls as the contract's notification item", async () => {
    const b = await newAgent();
    const result = await agentStub(b.agentId).deliver(notify(1));
    expect(result).toEqual({ item_id: expect.stringMatching(/^ntf_[0-9a-z]{26}$/), duplicate: false });
    const { items } = (await poll(b)).body;
    expect(items).toEqual([{ item_id: result.item_id, kind: "notification", ...notification(1) }]);
  });

  it("is idempotent by dedupe_key: a second delivery stores nothing and answers the first id", async () => {
    const b = await newAgent();
    const stub = agentStub(b.agentId);
    const first = await stub.deliver(notify(1));
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => stub.deliver(notify(1))));
    for (const again of concurrent) expect(again).toEqual({ item_id: first.item_id, duplicate: true });
    // Still a duplicate once the first was delivered and left the waiting list.
    expect((await poll(b)).body.items).toHaveLength(1);
    expect(await stub.deliver(notify(1))).toEqual({ item_id: first.item_id, duplicate: true });
    const other = await stub.deliver(notify(2));
    expect(other.duplicate).toBe(false);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 1 });
  });

  it("dedupes messages that carry a dedupe_key, and not those without", async () => {
    const b = await newAgent();
    const stub = agentStub(b.agentId);
    const message = { kind: "message", from_agent_id: "system", type: "ping", body: { n: 1 } } as const;
    const keyed = await stub.deliver({ ...message, dedupe_key: "once" });
    expect(await stub.deliver({ ...message, dedupe_key: "once" })).toEqual({ item_id: keyed.item_id, duplicate: true });
    await stub.deliver(message);
    await stub.deliver(message);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 3, history: 0 });
  });

  it("refuses an item over the size limit with a named refusal, storing nothing", async () => {
    const b = await newAgent();
    const big: InboxItemInput = { kind: "message", from_agent_id: "system", type: "blob", body: "x".repeat(INBOX_LIMITS.maxItemBytes) };
    const error = await agentStub(b.agentId).deliver(big).catch((e: unknown) => e);
    expect(inboxRefusal(error)).toMatchObject({ reason: "item_too_large", message: expect.stringContaining("65536 bytes") });
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
  });

  it("refuses malformed input at the RPC boundary", async () => {
    const b = await newAgent();
    const bad = { kind: "notification", dedupe_key: "k", notification: { ...notification(1), score: "high" } } as unknown as InboxItemInput;
    const failure = (input: InboxItemInput) => agentStub(b.agentId).deliver(input).then(() => "delivered", (e: unknown) => String(e));
    expect(await failure(bad)).toMatch(/notification\.score/);
    const noKey = { kind: "notification", notification: notification(1) } as unknown as InboxItemInput;
    expect(await failure(noKey)).toMatch(/dedupe_key/);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
  });

  it("refuses deliveries to a full inbox (10,000 undelivered items): 429 over HTTP, then takes more once drained", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const stub = agentStub(b.agentId);
    // Filled in SQL (10,000 sends would take a while).
    await fillInbox(b.agentId, INBOX_LIMITS.maxPendingItems, "fill");
    const refused = await send(a, b.agentId, "one more");
    expectError(refused, 429, "rate_limited");
    expect(refused.body.error.details).toMatchObject({ reason: "inbox_full", limit_items: 10_000 });
    expect(inboxRefusal(await stub.deliver(notify(1)).catch((e: unknown) => e))?.reason).toBe("inbox_full");
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 10_000, history: 0 });
    expect((await poll(b, "limit=5")).body.items).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect((await send(a, b.agentId, `fits ${i}`)).status).toBe(201);
    expectError(await send(a, b.agentId, "full again"), 429, "rate_limited");
  });

  it("keeps only the newest delivered items in history", async () => {
    const b = await newAgent();
    await fillInbox(b.agentId, INBOX_LIMITS.historyItems + 50, "old");
    for (let i = 0; i < 11; i++) await api("GET", `/v1/inbox/${b.agentId}?limit=100`);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: INBOX_LIMITS.historyItems });
    const newest = await api("GET", `/v1/inbox/${b.agentId}/history?limit=1`);
    expect(newest.body.items[0].item_id).toBe(`msg_old${String(INBOX_LIMITS.historyItems + 50).padStart(5, "0")}`);
  });

  it("starts each agent with an inbox of its own", async () => {
    const [b, c] = [await newAgent(), await newAgent()];
    await agentStub(b.agentId).deliver(notify(1));
    expect((await poll(c)).body.items).toEqual([]);
    expect(await inboxCounts(uniqueId("never"))).toEqual({ pending: 0, history: 0 });
  });
});
