import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, uniqueId } from "../helpers";
import { ZERO_HASH, cotRows, documentedHash } from "./ledger-helpers";

const log = (key: string, body: unknown, headers: Record<string, string> = {}) => api("POST", "/v1/cot", { key, body, headers });

describe("chain-of-thought ledger: logging", () => {
  it("logs a session's first step at index 0 after 64 zeros, and chains the next to it", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    const first = await log(a.key, { session_id: session, step_type: "observation", content: "Three invoices disagree with the ledger." });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ session_id: session, step_index: 0, prev_hash: ZERO_HASH });
    expect(first.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.body.logged_at).toMatch(ISO_MILLIS);
    const second = await log(a.key, {
      session_id: session,
      step_type: "hypothesis",
      content: "VAT rounding differs per line.",
      input_data: { invoices: ["INV-1", "INV-2"] },
      output_data: "rounding",
      importance: 0.8,
      metadata: { model: "m-1", tokens: 412 },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ session_id: session, step_index: 1, prev_hash: first.body.hash });

    const read = await api("GET", `/v1/cot/${session}`, { key: a.key });
    expect(read.status).toBe(200);
    expect(read.body.next_cursor).toBeNull();
    expect(read.body.steps).toHaveLength(2);
    expect(read.body.steps[1]).toEqual({
      session_id: session,
      step_index: 1,
      agent_id: a.agentId,
      step_type: "hypothesis",
      content: "VAT rounding differs per line.",
      input_data: { invoices: ["INV-1", "INV-2"] },
      output_data: "rounding",
      importance: 0.8,
      metadata: { model: "m-1", tokens: 412 },
      prev_hash: first.body.hash,
      hash: second.body.hash,
      logged_at: second.body.logged_at,
    });
    expect(read.body.steps[0]).toMatchObject({ input_data: null, output_data: null, metadata: null, importance: 0.5 });
  });

  it("stores hashes that an independent recomputation of the documented canonical form reproduces", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    // Sent as text: an own "__proto__" key, odd numbers and escapes, keys out of order.
    const odd = '{"__proto__": {"x": 1}, "b": [1.5, -0, 1e21, 1.0, "é\\u2028\\u0000\\"\\\\"], "a": {"z": null, "1": true}}';
    const raw = `{"session_id": "${session}", "step_type": "analysis", "content": "日本語 ✓ \\u0001 \\"quoted\\" 😀", "input_data": ${odd}, "importance": ${1 / 3}}`;
    expect((await api("POST", "/v1/cot", { key: a.key, raw })).status).toBe(201);
    await log(a.key, { session_id: session, step_type: "decision", content: "Escalate.", output_data: [null, 0.1, 2e-7], importance: 1, metadata: { k: "v" } });
    await log(a.key, { session_id: session, step_type: "error", content: "Timed out.", importance: 0, input_data: null });
    const rows = await cotRows(session);
    expect(rows.map((r) => r.step_index)).toEqual([0, 1, 2]);
    expect(rows[0]!.importance).toBe(0.333333);
    expect(rows[2]!.input_data).toBeNull();
    expect(rows[0]!.input_data).toBe('{"__proto__":{"x":1},"b":[1.5,0,1e+21,1,"é\u2028\\u0000\\"\\\\"],"a":{"1":true,"z":null}}');
    let prev = ZERO_HASH;
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev);
      expect(await documentedHash(row)).toBe(row.hash);
      prev = row.hash;
    }
  });

  it("gives 50 concurrent appends to one session the indexes 0..49, and the chain verifies intact", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log(a.key, { session_id: session, step_type: "action", content: `parallel step ${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(results.map((r) => r.body.step_index).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const rows = await cotRows(session);
    expect(rows.map((r) => r.step_index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const verify = await api("POST", `/v1/cot/${session}/verify`, { key: a.key });
    expect(verify.body).toEqual({ session_id: session, chain_intact: true, entries_checked: 50, broken_links: [], broken_links_truncated: false });
    const sessionRow = await env.DB.prepare("SELECT steps, head_hash FROM _cot_sessions WHERE session_id = ?").bind(session).first();
    expect(sessionRow).toEqual({ steps: 50, head_hash: rows[49]!.hash });
  });

  it("replays an append retried with the same Idempotency-Key and logs nothing new", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    const headers = { "idempotency-key": uniqueId("idem") };
    const body = { session_id: session, step_type: "planning", content: "Plan: check VAT, then totals." };
    const first = await log(a.key, body, headers);
    const retry = await log(a.key, body, headers);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", session)).toBe(1);
  });

  it("writes one audit row when a session opens, none for the steps after", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    const opening = newRequestId("cot");
    await log(a.key, { session_id: session, step_type: "observation", content: "first" }, { "x-request-id": opening });
    const next = newRequestId("cot");
    await log(a.key, { session_id: session, step_type: "observation", content: "second" }, { "x-request-id": next });
    const rows = await auditRowsFor(opening);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ agent_id: a.agentId, action: "cot:write", resource: `cot:${session}`, status: "success" });
    expect(JSON.parse(rows[0]!.details!)).toEqual({ event: "session_opened" });
    expect(await auditRowsFor(next)).toHaveLength(0);
  });
});

describe("chain-of-thought ledger: batches", () => {
  it("logs a batch consecutively, in the order sent, interleaved safely with single appends", async () => {
    const a = await newAgent();
    const session = uniqueId("batch");
    const steps = Array.from({ length: 30 }, (_, i) => ({ step_type: "analysis", content: `batched ${i}`, input_data: { i } }));
    const [first, second, ...singles] = await Promise.all([
      api("POST", `/v1/cot/${session}/steps`, { key: a.key, body: { steps } }),
      api("POST", `/v1/cot/${session}/steps`, { key: a.key, body: { steps } }),
      ...Array.from({ length: 10 }, (_, i) => log(a.key, { session_id: session, step_type: "action", content: `single ${i}` })),
    ]);
    expect(first!.status).toBe(201);
    const indexes = (r: typeof first) => r!.body.items.map((s: { step_index: number }) => s.step_index);
    for (const r of [first, second]) {
      const got = indexes(r);
      expect(got).toEqual(Array.from({ length: 30 }, (_, i) => got[0] + i));
    }
    expect(singles.every((r) => r.status === 201)).toBe(true);
    const rows = await cotRows(session);
    expect(rows.map((r) => r.step_index)).toEqual(Array.from({ length: 70 }, (_, i) => i));
    const firstRows = rows.slice(indexes(first)[0], indexes(first)[0] + 30);
    expect(firstRows.map((r) => r.content)).toEqual(steps.map((s) => s.content));
    expect((await api("POST", `/v1/cot/${session}/verify`)).body).toMatchObject({ chain_intact: true, entries_checked: 70 });
  });

  it("refuses a batch with one bad step, or more than 100, and stores none of it", async () => {
    const a = await newAgent();
    const session = uniqueId("batch");
    const good = { step_type: "analysis", content: "fine" };
    expect(invalidPaths(await api("POST", `/v1/cot/${session}/steps`, { key: a.key, body: { steps: [good, { ...good, step_type: "dream" }] } }))).toContain("steps[1].step_type");
    expectError(await api("POST", `/v1/cot/${session}/steps`, { key: a.key, body: { steps: Array(101).fill(good) } }), 400, "invalid_request");
    expectError(await api("POST", `/v1/cot/${session}/steps`, { key: a.key, body: { steps: [] } }), 400, "invalid_request");
    expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", session)).toBe(0);
  });

  it("refuses another agent's batch to a session it did not open", async () => {
    const owner = await newAgent();
    const other = await newAgent();
    const session = uniqueId("batch");
    await log(owner.key, { session_id: session, step_type: "observation", content: "mine" });
    expectError(await api("POST", `/v1/cot/${session}/steps`, { key: other.key, body: { steps: [{ step_type: "action", content: "x" }] } }), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", session)).toBe(1);
  });
});

describe("chain-of-thought ledger: bad input", () => {
  const cases: [string, unknown, string][] = [
    ["an unknown step_type", { session_id: "s-1", step_type: "daydream", content: "x" }, "step_type"],
    ["a missing content", { session_id: "s-1", step_type: "analysis" }, "content"],
    ["an empty content", { session_id: "s-1", step_type: "analysis", content: "   " }, "content"],
    ["a content that is not a string", { session_id: "s-1", step_type: "analysis", content: 42 }, "content"],
    ["an importance out of range", { session_id: "s-1", step_type: "analysis", content: "x", importance: 1.5 }, "importance"],
    ["an importance that is a string", { session_id: "s-1", step_type: "analysis", content: "x", importance: "high" }, "importance"],
    ["metadata that is not an object", { session_id: "s-1", step_type: "analysis", content: "x", metadata: [1, 2] }, "metadata"],
    ["an oversize content", { session_id: "s-1", step_type: "analysis", content: "x".repeat(64 * 1024 + 1) }, "content"],
    ["oversize metadata", { session_id: "s-1", step_type: "analysis", content: "x", metadata: { blob: "y".repeat(64 * 1024) } }, "metadata"],
    ["oversize input_data", { session_id: "s-1", step_type: "analysis", content: "x", input_data: "y".repeat(64 * 1024) }, "input_data"],
    ["a bad session id", { session_id: "../etc", step_type: "analysis", content: "x" }, "session_id"],
    ["a missing session id", { step_type: "analysis", content: "x" }, "session_id"],
    ["an unknown field", { session_id: "s-1", step_type: "analysis", content: "x", step_index: 7 }, "step_index"],
  ];
  for (const [what, body, path] of cases) {
    it(`refuses ${what} with 400 and stores nothing`, async () => {
      const a = await newAgent();
      const session = uniqueId("bad");
      const sent = typeof body === "object" && body !== null && "session_id" in body && body.session_id === "s-1" ? { ...body, session_id: session } : body;
      const res = await log(a.key, sent);
      expect(invalidPaths(res).join(" ")).toContain(path);
      expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", session)).toBe(0);
      expect(await count("SELECT COUNT(*) AS n FROM _cot_sessions WHERE session_id = ?", session)).toBe(0);
    });
  }

  it("refuses a body that is not JSON, and bad ids, cursors and filters on reads", async () => {
    const a = await newAgent();
    expectError(await api("POST", "/v1/cot", { key: a.key, raw: "{not json" }), 400, "invalid_request");
    expectError(await api("GET", "/v1/cot/bad%20id", { key: a.key }), 400, "invalid_request");
    expectError(await api("POST", "/v1/cot/bad%20id/verify", { key: a.key }), 400, "invalid_request");
    const session = uniqueId("sess");
    await log(a.key, { session_id: session, step_type: "observation", content: "x" });
    expectError(await api("GET", `/v1/cot/${session}?cursor=zzz`, { key: a.key }), 400, "invalid_request");
    expectError(await api("GET", `/v1/cot/${session}?limit=1001`, { key: a.key }), 400, "invalid_request");
    expectError(await api("GET", "/v1/cot?since=yesterday", { key: a.key }), 400, "invalid_request");
    expectError(await api("GET", "/v1/cot?agent_id=no%20spaces", { key: a.key }), 400, "invalid_request");
  });

  it("answers 404 for a session with no steps", async () => {
    const a = await newAgent();
    expectError(await api("GET", `/v1/cot/${uniqueId("none")}`, { key: a.key }), 404, "not_found");
    expectError(await api("POST", `/v1/cot/${uniqueId("none")}/verify`, { key: a.key }), 404, "not_found");
  });
});

describe("chain-of-thought ledger: who may do what", () => {
  it("lets only the agent that opened a session append to it, and records the refusal", async () => {
    const owner = await newAgent();
    const other = await newAgent();
    const session = uniqueId("sess");
    await log(owner.key, { session_id: session, step_type: "observation", content: "mine" });
    const res = await log(other.key, { session_id: session, step_type: "observation", content: "not yours" });
    expectError(res, 403, "forbidden");
    expect(res.body.error.details).toMatchObject({ action: "cot:write", resource: `cot:${session}` });
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = ?", other.agentId, `cot:${session}`)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", session)).toBe(1);
  });

  it("gives a session opened concurrently by two agents one owner, and refuses the other", async () => {
    const a = await newAgent();
    const b = await newAgent();
    const session = uniqueId("race");
    const results = await Promise.all([a, b, a, b].map((x, i) => log(x.key, { session_id: session, step_type: "action", content: `step ${i}` })));
    const rows = await cotRows(session);
    const owner = rows[0]!.agent_id;
    expect(rows.every((r) => r.agent_id === owner)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 403)).toHaveLength(2);
    expect(rows.map((r) => r.step_index)).toEqual([0, 1]);
  });

  it("lets a reader (supervisor) list, read and verify every session, but not log", async () => {
    const a = await newAgent();
    const supervisor = await newAgent("reader");
    const session = uniqueId("sess");
    await log(a.key, { session_id: session, step_type: "observation", content: "x" });
    expect((await api("GET", `/v1/cot/${session}`, { key: supervisor.key })).status).toBe(200);
    expect((await api("POST", `/v1/cot/${session}/verify`, { key: supervisor.key })).body.chain_intact).toBe(true);
    expectError(await log(supervisor.key, { session_id: uniqueId("sess"), step_type: "observation", content: "x" }), 403, "forbidden");
    expectError(await api("GET", "/v1/cot", { key: null }), 401, "unauthorized");
  });
});

describe("chain-of-thought ledger: reading", () => {
  it("pages a session's steps in index order", async () => {
    const a = await newAgent();
    const session = uniqueId("sess");
    for (let i = 0; i < 5; i++) await log(a.key, { session_id: session, step_type: "analysis", content: `step ${i}` });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { steps: { step_index: number }[]; next_cursor: string | null } } = await api("GET", `/v1/cot/${session}?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key: a.key });
      seen.push(...res.body.steps.map((s) => s.step_index));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("lists sessions with their owner, step count, times and head; by agent and by activity", async () => {
    const a = await newAgent();
    const b = await newAgent();
    const s1 = uniqueId("list");
    const s2 = uniqueId("list");
    await log(a.key, { session_id: s1, step_type: "observation", content: "x" });
    const head = await log(a.key, { session_id: s1, step_type: "decision", content: "y" });
    await log(b.key, { session_id: s2, step_type: "observation", content: "z" });
    const mine = await api("GET", `/v1/cot?agent_id=${a.agentId}`, { key: b.key });
    expect(mine.body).toEqual({
      items: [{ session_id: s1, agent_id: a.agentId, steps: 2, first_logged_at: expect.stringMatching(ISO_MILLIS), last_logged_at: head.body.logged_at, head_hash: head.body.hash }],
      next_cursor: null,
    });
    const future = await api("GET", `/v1/cot?since=${new Date(Date.now() + 60_000).toISOString()}`, { key: a.key });
    expect(future.body.items).toEqual([]);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { session_id: string }[]; next_cursor: string | null } } = await api("GET", `/v1/cot?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { key: a.key });
      ids.push(...res.body.items.map((s) => s.session_id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(expect.arrayContaining([s1, s2]));
    expect([...ids].sort()).toEqual(ids);
  });
});
