import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentObject } from "../../durable-objects/agent";
import { INBOX_LIMITS } from "../../durable-objects/agent/inbox-types";
import { api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, stringOfJsonBytes, uniqueId } from "../helpers";
import { type Agent, agentStub, fillInbox, inboxCounts, poll, send } from "./inbox-helpers";

type Item = { item_id: string; from_agent_id: string; type: string; body: { sender: number; n: number } };

const sendBatch = (from: Agent | { key?: string }, to: string, messages: unknown[], headers?: Record<string, string>) =>
  api("POST", `/v1/inbox/${to}/messages/batch`, { key: "key" in from ? from.key : undefined, body: { messages }, headers });

const auditedSends = (to: string) => count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'inbox:send' AND resource = ?", `inbox:${to}`);

describe("agent inbox: batch send", () => {
  it("delivers every message in the order sent, answering 201 with the items, each audited", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const requestId = newRequestId();
    const messages = [{ type: "handoff", body: { step: 1 } }, { body: "plain" }, { type: "note", body: [1, null, true] }];
    const res = await sendBatch(a, b.agentId, messages, { "x-request-id": requestId });
    expect(res.status).toBe(201);
    const items = res.body.items as Item[];
    expect(items.map((i) => [i.type, i.body, i.from_agent_id])).toEqual([
      ["handoff", { step: 1 }, a.agentId],
      ["message", "plain", a.agentId],
      ["note", [1, null, true], a.agentId],
    ]);
    expect((await poll(b, "limit=10")).body.items).toEqual(items);
    const rows = await auditRowsFor(requestId);
    expect(rows.map((r) => JSON.parse(r.details!).item_id).sort()).toEqual(items.map((i) => i.item_id).sort());
    expect(rows.every((r) => r.action === "inbox:send" && r.resource === `inbox:${b.agentId}` && r.agent_id === a.agentId)).toBe(true);
  });

  it("refuses bad input with 400 naming the message's index, and stores nothing", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    expect(invalidPaths(await sendBatch(a, b.agentId, []))).toContain("messages");
    expect(invalidPaths(await sendBatch(a, b.agentId, Array.from({ length: 101 }, () => ({ body: 1 }))))).toContain("messages");
    expect(invalidPaths(await sendBatch(a, b.agentId, [{ body: 1 }, { type: "x" }]))).toContain("messages[1].body");
    expect(invalidPaths(await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }, { body: 3, extra: true }]))).toContain("messages[2].extra");
    expect(invalidPaths(await sendBatch(a, b.agentId, [{ body: 1, type: "" }]))).toContain("messages[0].type");
    expect(invalidPaths(await api("POST", `/v1/inbox/${b.agentId}/messages/batch`, { key: a.key, body: { messages: { body: 1 } } }))).toContain("messages");
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    expect(await auditedSends(b.agentId)).toBe(0);
  });

  it("refuses the whole batch with 413 when one message is over 64 KiB, naming it", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const res = await sendBatch(a, b.agentId, [{ body: "fits" }, { body: stringOfJsonBytes(INBOX_LIMITS.maxItemBytes) }, { body: "fits too" }]);
    expectError(res, 413, "payload_too_large");
    expect(res.body.error.message).toMatch(/^messages\[1\]: .*limited to 65536 bytes/);
    expect(res.body.error.details).toMatchObject({ reason: "item_too_large", index: 1, limit_bytes: 65536 });
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    expect(await auditedSends(b.agentId)).toBe(0);
  });

  it("refuses a batch the inbox has no room for with 429, storing none of it; one that fits is taken", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    await fillInbox(b.agentId, INBOX_LIMITS.maxPendingItems - 2, "fill");
    const refused = await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }, { body: 3 }]);
    expectError(refused, 429, "rate_limited");
    expect(refused.body.error.details).toMatchObject({ reason: "inbox_full", limit_items: 10_000 });
    expect(refused.body.error.message).toMatch(/3 more would pass its limit/);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: INBOX_LIMITS.maxPendingItems - 2, history: 0 });
    expect((await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }])).status).toBe(201);
    expectError(await sendBatch(a, b.agentId, [{ body: 3 }]), 429, "rate_limited");
    expect(await auditedSends(b.agentId)).toBe(2);
  });

  it("is authorised as a single send: a reader is refused and the denial recorded, an admin sends as 'admin'", async () => {
    const [reader, b] = [await newAgent("reader"), await newAgent()];
    expectError(await sendBatch(reader, b.agentId, [{ body: "hi" }]), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'inbox:send'", reader.agentId)).toBe(1);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    const byAdmin = await sendBatch({}, b.agentId, [{ body: "from ops" }]);
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body.items[0].from_agent_id).toBe("admin");
  });

  it("answers 404 for an agent that does not exist, and stores and audits nothing", async () => {
    const a = await newAgent();
    const ghost = uniqueId("ghost");
    expectError(await sendBatch(a, ghost, [{ body: 1 }, { body: 2 }]), 404, "not_found");
    expect(await inboxCounts(ghost)).toEqual({ pending: 0, history: 0 });
    expect(await auditedSends(ghost)).toBe(0);
  });

  it("takes the messages back when their audit rows cannot be written: unaudited is unsent", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    type Audit = { record: (...args: unknown[]) => Promise<boolean> };
    const auditOf = (instance: AgentObject) => (instance as unknown as { sendAudit: Audit }).sendAudit;
    await runInDurableObject(agentStub(b.agentId), (instance: AgentObject) => {
      auditOf(instance).record = () => Promise.reject(new Error("injected: D1 is unavailable"));
    });
    expectError(await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }]), 500, "internal");
    expectError(await send(a, b.agentId, 3), 500, "internal");
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    await runInDurableObject(agentStub(b.agentId), (instance: AgentObject) => {
      delete (auditOf(instance) as Partial<Audit>).record; // the class's own method again
    });
    expect((await sendBatch(a, b.agentId, [{ body: 4 }])).status).toBe(201);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 0 });
  });

  it("returns the first response for a retry with the same Idempotency-Key and delivers once", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const headers = { "idempotency-key": uniqueId("idem") };
    const first = await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }], headers);
    const retry = await sendBatch(a, b.agentId, [{ body: 1 }, { body: 2 }], headers);
    expect(first.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 2, history: 0 });
  });

  it("keeps every batch whole and in order under 20 concurrent senders: none lost, none twice, each audited", async () => {
    const receiver = await newAgent();
    const senders = await Promise.all(Array.from({ length: 20 }, () => newAgent()));
    const batches = 5;
    const size = 10;
    const sent = await Promise.all(
      senders.map(async (sender, s) => {
        const ids: string[] = [];
        for (let k = 0; k < batches; k++) {
          const messages = Array.from({ length: size }, (_, i) => ({ body: { sender: s, n: k * size + i } }));
          const res = await sendBatch(sender, receiver.agentId, messages);
          expect(res.status).toBe(201);
          ids.push(...(res.body.items as Item[]).map((i) => i.item_id));
        }
        return ids;
      }),
    );
    const received: Item[] = [];
    for (;;) {
      const items = (await poll(receiver, "limit=100")).body.items as Item[];
      if (items.length === 0) break;
      received.push(...items);
    }
    expect(received).toHaveLength(20 * batches * size);
    expect(new Set(received.map((i) => i.item_id))).toEqual(new Set(sent.flat()));
    // One transaction per batch: its messages arrive together, and each sender's in the order sent.
    for (let at = 0; at < received.length; at += size) {
      const run = received.slice(at, at + size);
      expect(run.map((i) => i.body.sender)).toEqual(Array(size).fill(run[0]!.body.sender));
    }
    for (let s = 0; s < senders.length; s++) {
      expect(received.filter((i) => i.body.sender === s).map((i) => i.body.n)).toEqual(Array.from({ length: batches * size }, (_, n) => n));
    }
    expect(await auditedSends(receiver.agentId)).toBe(20 * batches * size);
  }, 60_000);
});
