import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../src/index";
import { describe, expect, it } from "vitest";
import { api, count, expectError, newAgent, uniqueId } from "./helpers";

const SEED = "Customer segment 'enterprise' has 42% higher LTV than mid-market.";

async function store(key: string, body: Record<string, unknown>) {
  const res = await api("POST", "/v1/memory", { key, body });
  if (res.status !== 201) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { memory_id: string };
}

const memoriesIn = (ns: string) => count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", ns);

describe("shared memory", () => {
  it("lets an agent find what another stored in a shared namespace, first and with a score", async () => {
    const a = await newAgent();
    const b = await newAgent();
    const ns = uniqueId("kb");
    await store(a.key, { agent_id: ns, content: SEED, metadata: { source: "q3-analysis", confidence: 0.93 } });
    await store(a.key, { agent_id: ns, content: "The on-call rotation changes every Monday at 09:00 UTC." });
    await store(a.key, { agent_id: ns, content: "Deploys to production are frozen during the last week of the quarter." });
    const res = await api("POST", "/v1/memory/search", {
      key: b.key,
      body: { agent_id: ns, query: "Which customer segment has the highest lifetime value?" },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ agent_id: ns, content: SEED, metadata: { source: "q3-analysis", confidence: 0.93 }, memory_type: "fact", importance: 0.5 });
    expect(res.body.results[0].score).toBeGreaterThan(0);
    expect(res.body.results[0].score).toBeLessThanOrEqual(1);
    const scores = res.body.results.map((r: { score: number }) => r.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  it("returns the stored memory with its defaults and expiry", async () => {
    const a = await newAgent();
    const res = await api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, content: "private note", ttl_seconds: 3600 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ agent_id: a.agentId, content: "private note", metadata: {}, memory_type: "fact", importance: 0.5, created_by: a.agentId });
    expect(res.body.memory_id).toMatch(/^mem_[0-9a-z]{26}$/);
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(3600_000);
  });

  describe("private namespaces", () => {
    it("cannot be written, read, listed or searched by another agent, and each refusal is recorded", async () => {
      const owner = await newAgent();
      const other = await newAgent();
      const { memory_id } = await store(owner.key, { agent_id: owner.agentId, content: "my private plan" });
      const before = await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ?", other.agentId);

      expectError(await api("POST", "/v1/memory", { key: other.key, body: { agent_id: owner.agentId, content: "intrusion" } }), 403, "forbidden");
      expectError(await api("POST", "/v1/memory/search", { key: other.key, body: { agent_id: owner.agentId, query: "plan" } }), 403, "forbidden");
      expectError(await api("POST", "/v1/memory/search", { key: other.key, body: { agent_id: ["shared-x", owner.agentId], query: "plan" } }), 403, "forbidden");
      expectError(await api("GET", `/v1/memory/${memory_id}`, { key: other.key }), 403, "forbidden");
      expectError(await api("GET", `/v1/memory?agent_id=${owner.agentId}`, { key: other.key }), 403, "forbidden");
      expectError(await api("DELETE", `/v1/memory/${memory_id}`, { key: other.key }), 403, "forbidden");
      expectError(await api("POST", "/v1/memory/cleanup", { key: other.key, body: { agent_id: owner.agentId, min_importance: 1 } }), 403, "forbidden");

      expect(await memoriesIn(owner.agentId)).toBe(1);
      expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ?", other.agentId)).toBe(before + 7);
      const own = await api("POST", "/v1/memory/search", { key: owner.key, body: { agent_id: owner.agentId, query: "private plan" } });
      expect(own.body.results[0].memory_id).toBe(memory_id);
      const asAdmin = await api("GET", `/v1/memory/${memory_id}`);
      expect(asAdmin.status).toBe(200);
    });

    it("answers a search with no key, a wrong key or a revoked key with 401 and nothing else", async () => {
      const a = await newAgent();
      await store(a.key, { agent_id: a.agentId, content: "secret launch date" });
      const body = { agent_id: a.agentId, query: "launch date" };
      expectError(await api("POST", "/v1/memory/search", { key: null, body }), 401, "unauthorized");
      expectError(await api("POST", "/v1/memory/search", { key: "sy_not_a_key", body }), 401, "unauthorized");
      await api("DELETE", `/v1/agents/${a.agentId}/keys/${a.keyId}`);
      const revoked = await api("POST", "/v1/memory/search", { key: a.key, body });
      expectError(revoked, 401, "unauthorized");
      expect(JSON.stringify(revoked.body)).not.toContain("launch");
    });

    it("lets a reader search shared memory but not store", async () => {
      const reader = await newAgent("reader");
      const writer = await newAgent();
      const ns = uniqueId("kb");
      await store(writer.key, { agent_id: ns, content: "Quarterly churn fell to 2.1%." });
      const found = await api("POST", "/v1/memory/search", { key: reader.key, body: { agent_id: ns, query: "churn" } });
      expect(found.body.results).toHaveLength(1);
      expectError(await api("POST", "/v1/memory", { key: reader.key, body: { agent_id: ns, content: "x" } }), 403, "forbidden");
      expect(await memoriesIn(ns)).toBe(1);
    });
  });

  describe("bad input is a 400 and stores nothing", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["empty content", { content: "" }, "content"],
      ["blank content", { content: "   " }, "content"],
      ["content over 64 KiB", { content: "x".repeat(64 * 1024 + 1) }, "content"],
      ["content of the wrong type", { content: 42 }, "content"],
      ["importance above 1", { content: "ok", importance: 1.5 }, "importance"],
      ["an unknown memory_type", { content: "ok", memory_type: "rumour" }, "memory_type"],
      ["nested metadata", { content: "ok", metadata: { a: { b: 1 } } }, "metadata.a"],
      ["a reserved metadata key", { content: "ok", metadata: { _sy_type: "x" } }, "metadata._sy_type"],
      ["a negative ttl", { content: "ok", ttl_seconds: -5 }, "ttl_seconds"],
      ["an unknown field", { content: "ok", colour: "blue" }, "colour"],
    ];
    for (const [name, body, path] of cases) {
      it(`refuses ${name}`, async () => {
        const a = await newAgent();
        const res = await api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, ...body } });
        expectError(res, 400, "invalid_request");
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
        expect(await memoriesIn(a.agentId)).toBe(0);
      });
    }

    it("refuses malformed JSON and a missing namespace", async () => {
      const a = await newAgent();
      expectError(await api("POST", "/v1/memory", { key: a.key, raw: '{"agent_id": ' }), 400, "invalid_request");
      const missing = await api("POST", "/v1/memory", { key: a.key, body: { content: "no namespace" } });
      expectError(missing, 400, "invalid_request");
      expect(missing.body.error.details[0].path).toBe("agent_id");
    });

    const searches: [string, Record<string, unknown>, string][] = [
      ["top_k over 100", { top_k: 101 }, "top_k"],
      ["an unknown filter operator", { filter: { confidence: { $regex: "9" } } }, "filter.confidence"],
      ["an empty operator object", { filter: { confidence: {} } }, "filter.confidence"],
      ["$in without a list", { filter: { topic: { $in: "ltv" } } }, "filter.topic"],
      ["an unknown mode", { mode: "fuzzy" }, "mode"],
      ["an empty query", { query: "" }, "query"],
      ["min_score above 1", { min_score: 2 }, "min_score"],
    ];
    for (const [name, body, path] of searches) {
      it(`refuses a search with ${name}`, async () => {
        const a = await newAgent();
        const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: a.agentId, query: "q", ...body } });
        expectError(res, 400, "invalid_request");
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      });
    }
  });

  describe("search", () => {
    it("filters metadata with each operator, comparing by JSON type", async () => {
      const a = await newAgent();
      const ns = uniqueId("kb");
      const hi = await store(a.key, { agent_id: ns, content: "Revenue grew in EMEA", metadata: { confidence: 0.93, region: "emea", reviewed: true } });
      const str = await store(a.key, { agent_id: ns, content: "Revenue grew in APAC", metadata: { confidence: "0.95", region: "apac" } });
      const lo = await store(a.key, { agent_id: ns, content: "Revenue grew in LATAM", metadata: { confidence: 0.4, region: "latam", reviewed: false } });
      const search = async (filter: unknown) => {
        const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: "revenue grew", filter } });
        expect(res.status).toBe(200);
        return res.body.results.map((r: { memory_id: string }) => r.memory_id).sort();
      };
      expect(await search({ confidence: { $gte: 0.9 } })).toEqual([hi.memory_id]);
      expect(await search({ confidence: { $lt: 0.5 } })).toEqual([lo.memory_id]);
      expect(await search({ confidence: "0.95" })).toEqual([str.memory_id]);
      expect(await search({ region: { $in: ["emea", "latam"] } })).toEqual([hi.memory_id, lo.memory_id].sort());
      expect(await search({ region: { $nin: ["emea", "latam"] } })).toEqual([str.memory_id]);
      expect(await search({ region: { $ne: "emea" } })).toEqual([str.memory_id, lo.memory_id].sort());
      expect(await search({ reviewed: true })).toEqual([hi.memory_id]);
      expect(await search({ reviewed: { $ne: true } })).toEqual([str.memory_id, lo.memory_id].sort());
      expect(await search({ confidence: { $gt: 0.3, $lte: 0.93 } })).toEqual([hi.memory_id, lo.memory_id].sort());
    });

    it("honours min_importance, memory_type, min_score and top_k, and searches several namespaces at once", async () => {
      const a = await newAgent();
      const ns1 = uniqueId("kb");
      const ns2 = uniqueId("kb");
      const important = await store(a.key, { agent_id: ns1, content: "Invoices are due within 30 days", importance: 0.9 });
      await store(a.key, { agent_id: ns1, content: "Invoices may be paid by card", importance: 0.2, memory_type: "observation" });
      const other = await store(a.key, { agent_id: ns2, content: "Invoices over 10k need approval", memory_type: "instruction" });
      const search = async (extra: Record<string, unknown>) =>
        (await api("POST", "/v1/memory/search", { key: a.key, body: { query: "invoices", ...extra } })).body.results.map((r: { memory_id: string }) => r.memory_id);
      expect(await search({ agent_id: ns1, min_importance: 0.5 })).toEqual([important.memory_id]);
      expect(await search({ agent_id: [ns1, ns2], memory_type: "instruction" })).toEqual([other.memory_id]);
      expect(await search({ agent_id: [ns1, ns2] })).toHaveLength(3);
      expect(await search({ agent_id: [ns1, ns2], top_k: 2 })).toHaveLength(2);
      expect(await search({ agent_id: [ns1, ns2], min_score: 1 })).toHaveLength(0);
    });

    it("ranks in each mode: keyword finds the exact term, vector and hybrid find paraphrases", async () => {
      const a = await newAgent();
      const ns = uniqueId("kb");
      const exact = await store(a.key, { agent_id: ns, content: "Error code E1234 means the payment gateway timed out." });
      await store(a.key, { agent_id: ns, content: "The design review is on Thursday." });
      for (const mode of ["keyword", "vector", "hybrid"]) {
        const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: "what does E1234 mean", mode } });
        expect(res.body.results[0].memory_id, mode).toBe(exact.memory_id);
      }
      const none = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: "zzzz qqqq", mode: "keyword" } });
      expect(none.body.results).toEqual([]);
    });

    it("answers a top_k 100 search with a 100-value $in over many candidates (D1's bound-parameter limit)", async () => {
      const a = await newAgent();
      const ns = uniqueId("kb");
      for (let i = 0; i < 40; i++) await store(a.key, { agent_id: ns, content: `Shipment ${i} left the warehouse`, metadata: { batch: i } });
      const batches = Array.from({ length: 100 }, (_, i) => i);
      const res = await api("POST", "/v1/memory/search", {
        key: a.key,
        body: { agent_id: [ns, `${ns}-b`], query: "shipment warehouse", top_k: 100, filter: { batch: { $in: batches }, missing: { $nin: ["x", "y"] } } },
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(40);
    });

    it("counts accesses of returned memories", async () => {
      const a = await newAgent();
      const m = await store(a.key, { agent_id: a.agentId, content: "Access counting works" });
      await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: a.agentId, query: "access counting" } });
      await expect.poll(async () => (await api("GET", `/v1/memory/${m.memory_id}`, { key: a.key })).body.access_count).toBeGreaterThanOrEqual(1);
    });

    it("counts every one of many concurrent reads, written in one batch, with the last read's time", async () => {
      const a = await newAgent();
      const m = await store(a.key, { agent_id: a.agentId, content: "Counted under load" });
      const other = await store(a.key, { agent_id: a.agentId, content: "Searched but never fetched" });
      const before = new Date().toISOString();
      await Promise.all([
        ...Array.from({ length: 12 }, () => api("GET", `/v1/memory/${m.memory_id}`, { key: a.key })),
        ...Array.from({ length: 8 }, () => api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: a.agentId, query: "counted load searched fetched", mode: "keyword" } })),
      ]);
      const counts = async () =>
        (await env.DB.prepare("SELECT memory_id, access_count, last_accessed_at FROM _memory WHERE memory_id IN (?, ?) ORDER BY memory_id").bind(m.memory_id, other.memory_id).all<{ memory_id: string; access_count: number; last_accessed_at: string | null }>()).results;
      await expect.poll(async () => (await counts()).map((r) => r.access_count)).toEqual([20, 8]);
      for (const row of await counts()) expect(row.last_accessed_at! >= before).toBe(true);
    });
  });

  describe("lifecycle", () => {
    it("never returns expired memories and purges them on the cron, vector included", async () => {
      const a = await newAgent();
      const m = await store(a.key, { agent_id: a.agentId, content: "A short-lived memory about launch codes", ttl_seconds: 60 });
      await env.DB.prepare("UPDATE _memory SET expires_at = '2000-01-01T00:00:00.000Z' WHERE memory_id = ?").bind(m.memory_id).run();
      expectError(await api("GET", `/v1/memory/${m.memory_id}`, { key: a.key }), 404, "not_found");
      const found = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: a.agentId, query: "launch codes" } });
      expect(found.body.results).toEqual([]);
      expect((await api("GET", `/v1/memory?agent_id=${a.agentId}`, { key: a.key })).body.items).toEqual([]);

      const ctx = createExecutionContext();
      worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(await count("SELECT COUNT(*) AS n FROM _memory WHERE memory_id = ?", m.memory_id)).toBe(0);
      expect(await count("SELECT COUNT(*) AS n FROM _memory_fts WHERE memory_id = ?", m.memory_id)).toBe(0);
    });

    it("deletes the row, its keyword entry and its vector", async () => {
      const a = await newAgent();
      const m = await store(a.key, { agent_id: a.agentId, content: "Delete me entirely" });
      const del = await api("DELETE", `/v1/memory/${m.memory_id}`, { key: a.key });
      expect(del.body).toEqual({ memory_id: m.memory_id, deleted: true });
      expect(await count("SELECT COUNT(*) AS n FROM _memory_fts WHERE memory_id = ?", m.memory_id)).toBe(0);
      for (const mode of ["vector", "keyword"]) {
        const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: a.agentId, query: "delete me entirely", mode } });
        expect(res.body.results).toEqual([]);
      }
      expectError(await api("DELETE", `/v1/memory/${m.memory_id}`, { key: a.key }), 404, "not_found");
    });

    it("cleans up a namespace below an importance threshold", async () => {
      const a = await newAgent();
      const ns = uniqueId("kb");
      await store(a.key, { agent_id: ns, content: "low one", importance: 0.1 });
      await store(a.key, { agent_id: ns, content: "low two", importance: 0.2 });
      const kept = await store(a.key, { agent_id: ns, content: "high", importance: 0.8 });
      const notYet = await api("POST", "/v1/memory/cleanup", { key: a.key, body: { agent_id: ns, min_importance: 0.5, older_than_seconds: 3600 } });
      expect(notYet.body).toEqual({ deleted: 0 });
      const res = await api("POST", "/v1/memory/cleanup", { key: a.key, body: { agent_id: ns, min_importance: 0.5 } });
      expect(res.body).toEqual({ deleted: 2 });
      const left = await api("GET", `/v1/memory?agent_id=${ns}`, { key: a.key });
      expect(left.body.items.map((m: { memory_id: string }) => m.memory_id)).toEqual([kept.memory_id]);
    });

    it("lists a namespace newest first, a page at a time", async () => {
      const a = await newAgent();
      const ns = uniqueId("kb");
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store(a.key, { agent_id: ns, content: `note ${i}` })).memory_id);
      const first = await api("GET", `/v1/memory?agent_id=${ns}&limit=3`, { key: a.key });
      const second = await api("GET", `/v1/memory?agent_id=${ns}&limit=3&cursor=${first.body.next_cursor}`, { key: a.key });
      expect([...first.body.items, ...second.body.items].map((m: { memory_id: string }) => m.memory_id)).toEqual(ids.reverse());
      expect(second.body.next_cursor).toBeNull();
    });

    it("replays a store retried with the same Idempotency-Key", async () => {
      const a = await newAgent();
      const headers = { "idempotency-key": uniqueId("idem") };
      const body = { agent_id: a.agentId, content: "stored once" };
      const first = await api("POST", "/v1/memory", { key: a.key, body, headers });
      const retry = await api("POST", "/v1/memory", { key: a.key, body, headers });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await memoriesIn(a.agentId)).toBe(1);
    });
  });
});
