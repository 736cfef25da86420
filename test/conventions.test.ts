import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ApiResponse, api, count, expectError, newAgent, newRequestId, uniqueId } from "./helpers";

const GENERATED_REQUEST_ID = /^req_[0-9a-z]{26}$/;
const agentRows = (agentId: string) => count("SELECT COUNT(*) AS n FROM _agents WHERE agent_id = ?", agentId);

describe("X-Request-Id", () => {
  /** One of each kind of answer: success, 400, 401, 403, 404 (route and resource), 409, 413. */
  async function answers() {
    const a = await newAgent();
    const existing = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: existing } });
    return [
      { name: "200", status: 200, call: (h: Record<string, string>) => api("GET", "/v1/whoami", { headers: h }) },
      { name: "201", status: 201, call: (h: Record<string, string>) => api("POST", "/v1/agents", { body: { agent_id: uniqueId() }, headers: h }) },
      { name: "400", status: 400, call: (h: Record<string, string>) => api("POST", "/v1/agents", { raw: "{", headers: h }) },
      { name: "401", status: 401, call: (h: Record<string, string>) => api("GET", "/v1/whoami", { key: null, headers: h }) },
      { name: "403", status: 403, call: (h: Record<string, string>) => api("GET", "/v1/agents", { key: a.key, headers: h }) },
      { name: "404 resource", status: 404, call: (h: Record<string, string>) => api("GET", `/v1/agents/${uniqueId("ghost")}`, { headers: h }) },
      { name: "404 route", status: 404, call: (h: Record<string, string>) => api("GET", "/no/such/route", { headers: h }) },
      { name: "404 /v1 route", status: 404, call: (h: Record<string, string>) => api("GET", "/v1/no-such-route", { headers: h }) },
      { name: "409", status: 409, call: (h: Record<string, string>) => api("POST", "/v1/agents", { body: { agent_id: existing }, headers: h }) },
      {
        name: "413",
        status: 413,
        call: (h: Record<string, string>) => api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, raw: `{"value":"${"x".repeat(1200 * 1024)}"}`, headers: h }),
      },
    ];
  }

  it("echoes the caller's X-Request-Id on successes and on every kind of error", async () => {
    for (const { name, status, call } of await answers()) {
      const requestId = newRequestId(`echo-${name.replace(/\W+/g, "_")}`);
      const res = await call({ "x-request-id": requestId });
      expect(res.status, name).toBe(status);
      expect(res.headers.get("x-request-id"), name).toBe(requestId);
    }
  });

  it("makes up a req_ id when the caller sends none, on successes and on errors", async () => {
    const seen = new Set<string>();
    const all = await answers();
    for (const { name, status, call } of all) {
      const res = await call({});
      expect(res.status, name).toBe(status);
      const id = res.headers.get("x-request-id");
      expect(id, name).toMatch(GENERATED_REQUEST_ID);
      seen.add(id!);
    }
    expect(seen.size).toBe(all.length);
  });

  it("replaces a request id that is not a sane token", async () => {
    for (const bad of ["has spaces", "x".repeat(129), "semi;colon", "<script>"]) {
      const res = await api("GET", "/v1/whoami", { headers: { "x-request-id": bad } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toMatch(GENERATED_REQUEST_ID);
    }
  });
});

describe("errors", () => {
  it("are JSON {error: {code, message, details?}} with the contract's status for each code", async () => {
    const a = await newAgent();
    const cases: [Promise<ApiResponse>, number, string][] = [
      [api("POST", "/v1/agents", { body: { agent_id: "-" } }), 400, "invalid_request"],
      [api("GET", "/v1/whoami", { key: "nope" }), 401, "unauthorized"],
      [api("GET", "/v1/agents", { key: a.key }), 403, "forbidden"],
      [api("GET", `/v1/agents/${uniqueId("ghost")}`), 404, "not_found"],
      [api("POST", "/v1/agents", { body: { agent_id: a.agentId } }), 409, "conflict"],
      [api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: "x".repeat(1024 * 1024) } }), 413, "payload_too_large"],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(Object.keys(res.body)).toEqual(["error"]);
      expect(res.body.error).toEqual({ code, message: expect.any(String), ...(res.body.error.details === undefined ? {} : { details: expect.anything() }) });
      expect(res.body.error.message.length).toBeGreaterThan(10);
    }
  });

  it("answers an unknown route or method with a 404 not_found JSON error", async () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", "/v1/nope"],
      ["GET", "/v2/agents"],
      ["PUT", "/v1/agents"],
      ["POST", "/v1/whoami"],
      ["GET", "/v1/state"],
    ] as const) {
      const res = await api(method, path, method === "GET" ? {} : { body: {} });
      expectError(res, 404, "not_found");
      expect(res.headers.get("content-type"), `${method} ${path}`).toMatch(/^application\/json/);
    }
  });

  it("never answers a malformed request with a 5xx, and never stores anything for it", async () => {
    const a = await newAgent();
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const deeplyNested = `{"agent_id": "x", "attributes": {"a": ${deep}}, "value": ${deep}}`;
    const bodies = ["", "null", "[]", "0", '""', "{", "}", '{"a":', "\u0000", "{\"agent_id\": 1e400}", '{"value": NaN}', "not json at all", "[".repeat(100_000), deeplyNested];
    const targets: [string, string][] = [
      ["POST", "/v1/agents"],
      ["PATCH", `/v1/agents/${a.agentId}`],
      ["PUT", `/v1/state/${a.agentId}/fuzz`],
    ];
    for (const [method, path] of targets) {
      for (const raw of bodies) {
        const res = await api(method, path, { raw });
        expect(res.status, `${method} ${path} ${JSON.stringify(raw.slice(0, 20))}`).toBe(400);
        expect(res.body.error.code).toBe("invalid_request");
      }
    }
    const after = await api("GET", `/v1/agents/${a.agentId}`);
    expect(after.body.updated_at).toBe(after.body.created_at);
    expectError(await api("GET", `/v1/state/${a.agentId}/fuzz`), 404, "not_found");
  });
});

describe("Idempotency-Key on POST /v1/agents", () => {
  it("answers a retry with the first response and creates nothing new", async () => {
    const agentId = uniqueId();
    const headers = { "idempotency-key": newRequestId("idem") };
    const first = await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader" }, headers });
    expect(first.status).toBe(201);
    const retry = await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader" }, headers });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await agentRows(agentId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'agent:create' AND resource = ?", `agent:${agentId}`)).toBe(1);
  });

  it("without the header, a retry is a new request: 409 for the existing agent", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    expectError(await api("POST", "/v1/agents", { body: { agent_id: agentId } }), 409, "conflict");
  });

  it("refuses the same key with a different body with 409, creating nothing", async () => {
    const headers = { "idempotency-key": newRequestId("idem") };
    const first = uniqueId();
    const second = uniqueId();
    expect((await api("POST", "/v1/agents", { body: { agent_id: first }, headers })).status).toBe(201);
    const reused = await api("POST", "/v1/agents", { body: { agent_id: second }, headers });
    expectError(reused, 409, "conflict");
    expect(reused.body.error.message).toMatch(/different request body/);
    expect(await agentRows(second)).toBe(0);
  });

  it("does not burn the key on a failed request: a corrected retry with it succeeds", async () => {
    const agentId = uniqueId();
    const headers = { "idempotency-key": newRequestId("idem") };
    expectError(await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "boss" }, headers }), 400, "invalid_request");
    expectError(await api("POST", "/v1/agents", { raw: "{", headers }), 400, "invalid_request");
    const fixed = await api("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader" }, headers });
    expect(fixed.status).toBe(201);
    expect(fixed.body.role).toBe("reader");
    expect(await agentRows(agentId)).toBe(1);
  });

  it("creates once when concurrent requests share a key: the others replay it or get 409", async () => {
    const agentId = uniqueId("idem-race");
    const headers = { "idempotency-key": newRequestId("idem") };
    const results = await Promise.all(Array.from({ length: 10 }, () => api("POST", "/v1/agents", { body: { agent_id: agentId }, headers })));
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    for (const r of results.filter((r) => r.status !== 201)) expectError(r, 409, "conflict");
    expect(await agentRows(agentId)).toBe(1);
    // Once settled, the key replays the one creation.
    const later = await api("POST", "/v1/agents", { body: { agent_id: agentId }, headers });
    expect(later.status).toBe(201);
    expect(later.body).toEqual(created[0]!.body);
  });

  it("keeps one caller's keys apart from another's", async () => {
    const boss = await newAgent("admin");
    const key = newRequestId("idem");
    const a = uniqueId();
    const b = uniqueId();
    expect((await api("POST", "/v1/agents", { body: { agent_id: a }, headers: { "idempotency-key": key } })).status).toBe(201);
    const other = await api("POST", "/v1/agents", { key: boss.key, body: { agent_id: b }, headers: { "idempotency-key": key } });
    expect(other.status).toBe(201);
    expect(other.body.agent_id).toBe(b);
  });

  it("answers 409 with Retry-After while the first request with the key is still being carried out", async () => {
    const key = uniqueId("idem");
    const body = { agent_id: uniqueId() };
    const bodyHash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(body))))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    // The first request's claim, as it stands while that request runs.
    await env.DB.prepare("INSERT INTO _idempotency_keys (scope, request_hash, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .bind(`admin POST /v1/agents ${key}`, bodyHash, new Date().toISOString(), new Date(Date.now() + 60_000).toISOString())
      .run();
    const res = await api("POST", "/v1/agents", { body, headers: { "idempotency-key": key } });
    expectError(res, 409, "conflict");
    expect(res.body.error.details).toEqual({ reason: "idempotency_in_progress" });
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await count("SELECT COUNT(*) AS n FROM _agents WHERE agent_id = ?", body.agent_id)).toBe(0);
  });

  it("refuses an Idempotency-Key longer than 255 characters with 400", async () => {
    const agentId = uniqueId();
    const res = await api("POST", "/v1/agents", { body: { agent_id: agentId }, headers: { "idempotency-key": "k".repeat(256) } });
    expectError(res, 400, "invalid_request");
    expect(await agentRows(agentId)).toBe(0);
  });
});

describe("Idempotency-Key on POST /v1/agents/{agent_id}/keys", () => {
  const keyRows = (agentId: string) => count("SELECT COUNT(*) AS n FROM _agent_keys WHERE agent_id = ?", agentId);

  // Until issue 11 a retry got the first answer again, api_key included (so the key sat in
  // _idempotency_keys for 24 h): it now names the key it issued, without the secret.
  it("answers a retry with a 409 naming the same key_id, never the api_key again, and issues no second key", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const headers = { "idempotency-key": newRequestId("idem") };
    const first = await api("POST", `/v1/agents/${agentId}/keys`, { headers });
    expect(first.status).toBe(201);
    const retry = await api("POST", `/v1/agents/${agentId}/keys`, { headers });
    expectError(retry, 409, "conflict");
    expect(retry.body.error.details).toMatchObject({ reason: "secret_not_replayed", first_response: { key_id: first.body.key_id, agent_id: agentId } });
    expect(JSON.stringify(retry.body)).not.toContain(first.body.api_key);
    expect(await keyRows(agentId)).toBe(1);
    expect((await api("GET", "/v1/whoami", { key: first.body.api_key })).body.agent_id).toBe(agentId);

    // Without the header, each call is a new key.
    expect((await api("POST", `/v1/agents/${agentId}/keys`)).body.key_id).not.toBe(first.body.key_id);
    expect(await keyRows(agentId)).toBe(2);
  });

  it("scopes the key to the agent: the same key for another agent issues that agent's key", async () => {
    const a = uniqueId();
    const b = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: a } });
    await api("POST", "/v1/agents", { body: { agent_id: b } });
    const headers = { "idempotency-key": newRequestId("idem") };
    const forA = await api("POST", `/v1/agents/${a}/keys`, { headers });
    const forB = await api("POST", `/v1/agents/${b}/keys`, { headers });
    expect(forB.status).toBe(201);
    expect(forB.body.agent_id).toBe(b);
    expect(forB.body.key_id).not.toBe(forA.body.key_id);
  });

  it("does not burn the key when the agent does not exist yet", async () => {
    const agentId = uniqueId();
    const headers = { "idempotency-key": newRequestId("idem") };
    expectError(await api("POST", `/v1/agents/${agentId}/keys`, { headers }), 404, "not_found");
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const issued = await api("POST", `/v1/agents/${agentId}/keys`, { headers });
    expect(issued.status).toBe(201);
    expect(await keyRows(agentId)).toBe(1);
  });

  it("issues one key when concurrent requests share a key", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const headers = { "idempotency-key": newRequestId("idem") };
    const results = await Promise.all(Array.from({ length: 10 }, () => api("POST", `/v1/agents/${agentId}/keys`, { headers })));
    const issued = results.filter((r) => r.status === 201);
    expect(issued.length).toBeGreaterThanOrEqual(1);
    for (const r of issued) expect(r.body).toEqual(issued[0]!.body);
    for (const r of results.filter((r) => r.status !== 201)) expectError(r, 409, "conflict");
    expect(await keyRows(agentId)).toBe(1);
  });
});

describe("service routes", () => {
  it("answers / and /health without a key", async () => {
    const root = await SELF.fetch("https://switchyard.test/");
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ api: "/v1", openapi: "/openapi.json", docs: "/docs" });
    const health = await SELF.fetch("https://switchyard.test/health");
    expect(await health.json()).toEqual({ ok: true });
  });

  it("requires a key on every /v1 route", async () => {
    for (const [method, path] of [
      ["GET", "/v1/agents"],
      ["POST", "/v1/agents"],
      ["GET", "/v1/whoami"],
      ["GET", "/v1/state/someone"],
      ["PUT", "/v1/state/someone/k"],
    ] as const) {
      expectError(await api(method, path, { key: null, body: method === "GET" ? undefined : { value: 1 } }), 401, "unauthorized");
    }
  });
});
