import { describe, expect, it } from "vitest";
import { type ApiResponse, ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, uniqueId } from "../helpers";
import { ack, inboxCounts, poll, send, sendMany } from "./inbox-helpers";

describe("agent inbox: direct messages", () => {
  it("delivers a message from the caller, answering 201 with the item", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const sent = await send(a, b.agentId, { task: "review", rows: [1, 2] }, "handoff");
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      item_id: expect.stringMatching(/^msg_[0-9a-z]{26}$/),
      kind: "message",
      created_at: expect.stringMatching(ISO_MILLIS),
      from_agent_id: a.agentId,
      type: "handoff",
      body: { task: "review", rows: [1, 2] },
    });
    const polled = await poll(b);
    expect(polled.status).toBe(200);
    expect(polled.body).toEqual({ items: [sent.body] });
  });

  it("types a message `message` when no type is given, and keeps any JSON body exactly", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const raw = '{"body": {"__proto__": {"x": 1}, "list": [null, true, 1.5, "日本語"]}}';
    const sent = await api("POST", `/v1/inbox/${b.agentId}/messages`, { key: a.key, raw });
    expect(sent.status).toBe(201);
    expect(sent.body.type).toBe("message");
    const [item] = (await poll(b)).body.items;
    expect(JSON.stringify(item.body)).toBe('{"__proto__":{"x":1},"list":[null,true,1.5,"日本語"]}');
    expect((await send(a, b.agentId, null)).status).toBe(201);
  });

  it("lets an admin send, as 'admin'", async () => {
    const b = await newAgent();
    const sent = await api("POST", `/v1/inbox/${b.agentId}/messages`, { body: { body: "from ops" } });
    expect(sent.status).toBe(201);
    expect(sent.body.from_agent_id).toBe("admin");
  });

  it("returns the first response for a retry with the same Idempotency-Key and delivers once", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const headers = { "idempotency-key": uniqueId("idem") };
    const first = await send(a, b.agentId, { n: 1 }, undefined, headers);
    const retry = await send(a, b.agentId, { n: 1 }, undefined, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await poll(b)).body.items).toHaveLength(1);
  });

  it("writes an audit row for each message", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const requestId = newRequestId();
    const sent = await send(a, b.agentId, "hi", "note", { "x-request-id": requestId });
    const rows = await auditRowsFor(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ agent_id: a.agentId, action: "inbox:send", resource: `inbox:${b.agentId}`, status: "success" });
    expect(JSON.parse(rows[0]!.details!)).toEqual({ item_id: sent.body.item_id, type: "note" });
  });

  it("answers 404 for an agent that does not exist, and stores nothing", async () => {
    const a = await newAgent();
    const ghost = uniqueId("ghost");
    const requestId = newRequestId();
    expectError(await send(a, ghost, "hello?", undefined, { "x-request-id": requestId }), 404, "not_found");
    expect(await inboxCounts(ghost)).toEqual({ pending: 0, history: 0 });
    expect(await auditRowsFor(requestId)).toEqual([]);
  });

  it("refuses bad input with 400 and stores nothing", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const url = `/v1/inbox/${b.agentId}/messages`;
    expect(invalidPaths(await api("POST", url, { key: a.key, body: {} }))).toContain("body");
    expect(invalidPaths(await api("POST", url, { key: a.key, body: { body: 1, type: "" } }))).toContain("type");
    expect(invalidPaths(await api("POST", url, { key: a.key, body: { body: 1, type: "x".repeat(129) } }))).toContain("type");
    expect(invalidPaths(await api("POST", url, { key: a.key, body: { body: 1, extra: true } }))).toContain("extra");
    expect(invalidPaths(await api("POST", url, { key: a.key, body: { body: 1, type: 7 } }))).toContain("type");
    expect(invalidPaths(await api("POST", url, { key: a.key, raw: '{"body": ' }))).toEqual(["(body)"]);
    expect(invalidPaths(await api("POST", url, { key: a.key, raw: '{"body": 1}', headers: { "content-type": "text/plain" } }))).toEqual(["Content-Type"]);
    expect(invalidPaths(await api("POST", `/v1/inbox/bad%20id/messages`, { key: a.key, body: { body: 1 } }))).toEqual(["agent_id"]);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
  });

  it("refuses an item over 64 KiB with 413 and stores nothing", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const res = await send(a, b.agentId, "x".repeat(64 * 1024));
    expectError(res, 413, "payload_too_large");
    expect(res.body.error.message).toMatch(/limited to 65536 bytes/);
    expectError(await send(a, b.agentId, "x".repeat(2 * 1024 * 1024)), 413, "payload_too_large");
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    expect((await send(a, b.agentId, "x".repeat(60 * 1024))).status).toBe(201);
  });

  it("refuses a reader's message (readers only read) and records the denial", async () => {
    const [reader, b] = [await newAgent("reader"), await newAgent()];
    expectError(await send(reader, b.agentId, "hi"), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'inbox:send'", reader.agentId)).toBe(1);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
  });
});

describe("agent inbox: polling", () => {
  it("returns items oldest first, at most `limit`, each delivered once", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const ids = await sendMany(a, b.agentId, 5);
    const first = await poll(b, "limit=3");
    expect(first.body.items.map((m: { item_id: string }) => m.item_id)).toEqual(ids.slice(0, 3));
    const rest = await poll(b, "limit=10");
    expect(rest.body.items.map((m: { item_id: string }) => m.item_id)).toEqual(ids.slice(3));
    expect((await poll(b)).body.items).toEqual([]);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 5 });
  });

  it("lets only the agent itself (or an admin) read its inbox, recording the denial", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    await send(a, b.agentId, "private");
    const requestId = newRequestId();
    const denied = await api("GET", `/v1/inbox/${b.agentId}`, { key: a.key, headers: { "x-request-id": requestId } });
    expectError(denied, 403, "forbidden");
    expect(denied.body.error.details).toMatchObject({ action: "inbox:read", resource: `inbox:${b.agentId}` });
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = ?", a.agentId, `inbox:${b.agentId}`)).toBe(1);
    expect(await auditRowsFor(requestId)).toMatchObject([{ status: "denied", action: "inbox:read" }]);
    expectError(await api("GET", `/v1/inbox/${b.agentId}/history`, { key: a.key }), 403, "forbidden");
    expectError(await api("GET", `/v1/inbox/${b.agentId}/connect`, { key: a.key, headers: { upgrade: "websocket" } }), 403, "forbidden");
    expectError(await api("POST", `/v1/inbox/${b.agentId}/ack`, { key: a.key, body: { item_ids: ["msg_x"] } }), 403, "forbidden");
    // Nothing was taken from the inbox by the refused calls.
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 0 });
    const admin = await api("GET", `/v1/inbox/${b.agentId}`);
    expect(admin.body.items).toHaveLength(1);
  });

  it("answers 404 to an admin polling an agent that does not exist", async () => {
    expectError(await api("GET", `/v1/inbox/${uniqueId("ghost")}`), 404, "not_found");
    expectError(await api("GET", `/v1/inbox/${uniqueId("ghost")}/history`), 404, "not_found");
  });

  it("refuses limit, wait_seconds and lease_seconds out of range, taking nothing", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    await send(a, b.agentId, "kept");
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=abc", "limit"],
      ["wait_seconds=31", "wait_seconds"],
      ["wait_seconds=-1", "wait_seconds"],
      ["wait_seconds=1.5", "wait_seconds"],
      ["lease_seconds=0", "lease_seconds"],
      ["lease_seconds=3601", "lease_seconds"],
      ["lease_seconds=x", "lease_seconds"],
    ] as const) {
      expect(invalidPaths(await poll(b, query)), query).toEqual([field]);
    }
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 0 });
  });
});

describe("agent inbox: acks", () => {
  it("acks leased items, reports unknown ids, and writes an audit row", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const m1 = (await send(a, b.agentId, 1)).body.item_id;
    const m2 = (await send(a, b.agentId, 2)).body.item_id;
    const leased = await poll(b, "lease_seconds=60&limit=1");
    expect(leased.body.items).toMatchObject([{ item_id: m1, lease_expires_at: expect.stringMatching(ISO_MILLIS) }]);
    const requestId = newRequestId();
    const res = await api("POST", `/v1/inbox/${b.agentId}/ack`, { key: b.key, body: { item_ids: [m1, m2, "msg_nope"] }, headers: { "x-request-id": requestId } });
    expect(res.status).toBe(200);
    // m2 was never handed out, so there is no lease of it to ack.
    expect(res.body).toEqual({ acked: [m1], unknown: [m2, "msg_nope"] });
    expect(await auditRowsFor(requestId)).toMatchObject([{ action: "inbox:ack", resource: `inbox:${b.agentId}`, status: "success" }]);
    expect((await ack(b, [m1])).body).toEqual({ acked: [], unknown: [m1] });
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 1 });
  });

  it("refuses a malformed ack with 400 and changes nothing", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const id = (await send(a, b.agentId, 1)).body.item_id;
    await poll(b, "lease_seconds=60");
    const url = `/v1/inbox/${b.agentId}/ack`;
    expect(invalidPaths(await api("POST", url, { key: b.key, body: { item_ids: [] } }))).toEqual(["item_ids"]);
    expect(invalidPaths(await api("POST", url, { key: b.key, body: { item_ids: [id, 5] } }))).toEqual(["item_ids[1]"]);
    expect(invalidPaths(await api("POST", url, { key: b.key, body: { item_ids: Array(101).fill(id) } }))).toEqual(["item_ids"]);
    expect(invalidPaths(await api("POST", url, { key: b.key, body: { ids: [id] } }))).toContain("ids");
    expect(invalidPaths(await api("POST", url, { key: b.key, raw: "[" }))).toEqual(["(body)"]);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 1, history: 0 });
  });
});

describe("agent inbox: history", () => {
  it("lists delivered items newest first, in cursor pages", async () => {
    const [a, b] = [await newAgent(), await newAgent()];
    const ids = await sendMany(a, b.agentId, 5);
    await poll(b, "limit=2");
    await poll(b, "limit=3&lease_seconds=60");
    await ack(b, [ids[4]!, ids[2]!]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api("GET", `/v1/inbox/${b.agentId}/history?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key: b.key });
      expect(res.status).toBe(200);
      for (const item of res.body.items) {
        expect(item.delivered_at).toMatch(ISO_MILLIS);
        seen.push(item.item_id);
      }
      cursor = res.body.next_cursor;
    } while (cursor);
    // Delivered: 0 and 1 by the poll, then 2 and 4 by the ack (in arrival order); 3 is still leased.
    expect(seen).toEqual([ids[4], ids[2], ids[1], ids[0]]);
  });

  it("refuses a cursor it did not issue and a limit out of range", async () => {
    const b = await newAgent();
    expect(invalidPaths(await api("GET", `/v1/inbox/${b.agentId}/history?cursor=nonsense`, { key: b.key }))).toEqual(["cursor"]);
    expect(invalidPaths(await api("GET", `/v1/inbox/${b.agentId}/history?cursor=WyJ4Il0`, { key: b.key }))).toEqual(["cursor"]);
    expect(invalidPaths(await api("GET", `/v1/inbox/${b.agentId}/history?limit=0`, { key: b.key }))).toEqual(["limit"]);
  });
});

describe("agent inbox: lifecycle", () => {
  it("erases the inbox with its agent: an agent created again under the same id starts empty", async () => {
    const a = await newAgent();
    const b = await newAgent();
    await send(a, b.agentId, "before");
    await send(a, b.agentId, "delivered");
    await poll(b, "limit=1");
    expect((await api("DELETE", `/v1/agents/${b.agentId}`)).status).toBe(200);
    expect(await inboxCounts(b.agentId)).toEqual({ pending: 0, history: 0 });
    expect((await api("POST", "/v1/agents", { body: { agent_id: b.agentId } })).status).toBe(201);
    expect((await api("GET", `/v1/inbox/${b.agentId}`)).body.items).toEqual([]);
    expect((await api("GET", `/v1/inbox/${b.agentId}/history`)).body.items).toEqual([]);
    expect((await send(a, b.agentId, "after")).status).toBe(201);
  });
});
