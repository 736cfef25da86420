import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, ISO_MILLIS, api, auditRowsFor, count, expectError, newAgent, newRequestId, uniqueId } from "./helpers";

describe("authentication", () => {
  it("answers 401 unauthorized to a request without a key", async () => {
    const res = await api("GET", "/v1/whoami", { key: null });
    expectError(res, 401, "unauthorized");
    expect(res.body.error.message).toMatch(/Authorization: Bearer/);
  });

  it("answers 401 to a key nobody issued, whatever its shape", async () => {
    for (const key of ["garbage", "sy_garbage", `sy_${"A".repeat(43)}`, `${ADMIN}x`, ADMIN.slice(0, -1)]) {
      expectError(await api("GET", "/v1/whoami", { key }), 401, "unauthorized");
    }
  });

  it("answers 401 to an admin route called without a valid key, and creates nothing", async () => {
    const agentId = uniqueId();
    expectError(await api("POST", "/v1/agents", { key: null, body: { agent_id: agentId } }), 401, "unauthorized");
    expectError(await api("POST", "/v1/agents", { key: "nope", body: { agent_id: agentId } }), 401, "unauthorized");
    expect(await count("SELECT COUNT(*) AS n FROM _agents WHERE agent_id = ?", agentId)).toBe(0);
  });

  it("accepts the key as Authorization: Bearer, Authorization: ApiKey and X-API-Key", async () => {
    const a = await newAgent();
    const forms: Record<string, string>[] = [
      { authorization: `Bearer ${a.key}` },
      { authorization: `bearer ${a.key}` },
      { authorization: `ApiKey ${a.key}` },
      { "x-api-key": a.key },
    ];
    for (const headers of forms) {
      const res = await api("GET", "/v1/whoami", { key: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.body.agent_id).toBe(a.agentId);
    }
    const adminForms: Record<string, string>[] = [{ authorization: `Bearer ${ADMIN}` }, { authorization: `ApiKey ${ADMIN}` }, { "x-api-key": ADMIN }];
    for (const headers of adminForms) {
      expect((await api("GET", "/v1/whoami", { key: null, headers })).body.agent_id).toBe("admin");
    }
  });

  it("refuses other authorization schemes with 401", async () => {
    const a = await newAgent();
    expectError(await api("GET", "/v1/whoami", { key: null, headers: { authorization: `Basic ${a.key}` } }), 401, "unauthorized");
    expectError(await api("GET", "/v1/whoami", { key: null, headers: { authorization: a.key } }), 401, "unauthorized");
  });

  it("whoami returns the caller's agent_id, role and attributes", async () => {
    const a = await newAgent("reader", { team: "finance", writer: true });
    const res = await api("GET", "/v1/whoami", { key: a.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ agent_id: a.agentId, role: "reader", attributes: { team: "finance", writer: true } });
    expect((await api("GET", "/v1/whoami")).body).toEqual({ agent_id: "admin", role: "admin", attributes: {} });
  });

  it("stops a key at once when its agent is deleted", async () => {
    const a = await newAgent();
    await api("DELETE", `/v1/agents/${a.agentId}`);
    expectError(await api("GET", "/v1/whoami", { key: a.key }), 401, "unauthorized");
    expectError(await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 1 } }), 401, "unauthorized");
  });

  it("answers 401 to a revoked key on every route, and stores nothing", async () => {
    const a = await newAgent();
    expect((await api("PUT", `/v1/state/${a.agentId}/secret`, { key: a.key, body: { value: "plans" } })).status).toBe(200);
    await api("DELETE", `/v1/agents/${a.agentId}/keys/${a.keyId}`);
    // The state read starts alongside authentication; its value never reaches an unauthenticated caller.
    const readAhead = await api("GET", `/v1/state/${a.agentId}/secret`, { key: a.key });
    expectError(readAhead, 401, "unauthorized");
    expect(JSON.stringify(readAhead.body)).not.toContain("plans");
    const requestId = newRequestId();
    const headers = { "x-request-id": requestId };
    expectError(await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 1 }, headers }), 401, "unauthorized");
    expectError(await api("GET", `/v1/state/${a.agentId}/k`, { key: a.key, headers }), 401, "unauthorized");
    expectError(await api("POST", `/v1/agents`, { key: a.key, body: { agent_id: uniqueId() }, headers }), 401, "unauthorized");
    expect(await auditRowsFor(requestId)).toEqual([]);
    expectError(await api("GET", `/v1/state/${a.agentId}/k`), 404, "not_found");
  });
});

describe("admin routes refuse non-admins", () => {
  const adminCalls = (agentId: string, keyId: string): [string, string, unknown?][] => [
    ["POST", "/v1/agents", { agent_id: uniqueId("sneaky") }],
    ["GET", "/v1/agents"],
    ["GET", `/v1/agents/${agentId}`],
    ["PATCH", `/v1/agents/${agentId}`, { role: "admin" }],
    ["DELETE", `/v1/agents/${agentId}`],
    ["POST", `/v1/agents/${agentId}/keys`],
    ["GET", `/v1/agents/${agentId}/keys`],
    ["DELETE", `/v1/agents/${agentId}/keys/${keyId}`],
  ];

  for (const role of ["agent", "reader"] as const) {
    it(`answers 403 forbidden to a${role === "agent" ? "n" : ""} ${role} on every admin route and records each denial`, async () => {
      const caller = await newAgent(role);
      const victim = await newAgent();
      let denials = 0;
      for (const [method, path, body] of adminCalls(victim.agentId, victim.keyId)) {
        const requestId = newRequestId();
        const res = await api(method, path, { key: caller.key, body, headers: { "x-request-id": requestId } });
        expectError(res, 403, "forbidden");
        expect(res.body.error.details, `${method} ${path}`).toMatchObject({ action: "agent:manage", resource: "agent:*", policy_id: null });

        const audit = await auditRowsFor(requestId);
        expect(audit, `${method} ${path}`).toEqual([
          expect.objectContaining({ agent_id: caller.agentId, action: "agent:manage", resource: "agent:*", status: "denied", at: expect.stringMatching(ISO_MILLIS) }),
        ]);
        const denial = await env.DB.prepare("SELECT * FROM _policy_denials WHERE agent_id = ? ORDER BY denial_id DESC")
          .bind(caller.agentId)
          .first<Record<string, unknown>>();
        expect(denial).toMatchObject({ agent_id: caller.agentId, action: "agent:manage", resource: "agent:*", policy_id: null, reason: expect.any(String) });
        expect(denial!.denied_at).toMatch(ISO_MILLIS);
        expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ?", caller.agentId)).toBe(++denials);
      }

      // Nothing any of those calls asked for happened.
      expect((await api("GET", `/v1/agents/${victim.agentId}`)).body.role).toBe("agent");
      expect((await api("GET", "/v1/whoami", { key: victim.key })).status).toBe(200);
      expect(await count("SELECT COUNT(*) AS n FROM _agent_keys WHERE agent_id = ?", victim.agentId)).toBe(1);
      expect(await count("SELECT COUNT(*) AS n FROM _agents WHERE agent_id LIKE 'sneaky-%'")).toBe(0);
    });
  }

  it("lets an agent with the admin role manage agents", async () => {
    const boss = await newAgent("admin");
    const agentId = uniqueId();
    const created = await api("POST", "/v1/agents", { key: boss.key, body: { agent_id: agentId } });
    expect(created.status).toBe(201);
    const audit = await env.DB.prepare("SELECT agent_id FROM _audit_log WHERE action = 'agent:create' AND resource = ?").bind(`agent:${agentId}`).first();
    expect(audit).toEqual({ agent_id: boss.agentId });
  });
});

describe("role defaults on agent state", () => {
  it("lets a reader read any agent's state but refuses its writes with 403 and records the denial", async () => {
    const owner = await newAgent();
    const reader = await newAgent("reader");
    await api("PUT", `/v1/state/${owner.agentId}/plan`, { key: owner.key, body: { value: ["step 1"] } });

    expect((await api("GET", `/v1/state/${owner.agentId}/plan`, { key: reader.key })).body).toMatchObject({ value: ["step 1"], version: 1 });
    expect((await api("GET", `/v1/state/${owner.agentId}`, { key: reader.key })).body.items).toHaveLength(1);

    const requestId = newRequestId();
    const write = await api("PUT", `/v1/state/${owner.agentId}/plan`, { key: reader.key, body: { value: "hijacked" }, headers: { "x-request-id": requestId } });
    expectError(write, 403, "forbidden");
    expect(write.body.error.details).toMatchObject({ action: "state:write", resource: `state:${owner.agentId}`, policy_id: null });
    expect(await auditRowsFor(requestId)).toEqual([expect.objectContaining({ agent_id: reader.agentId, action: "state:write", status: "denied" })]);
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'state:write'", reader.agentId)).toBe(1);

    // Not even its own state: a reader only reads.
    expectError(await api("PUT", `/v1/state/${reader.agentId}/mine`, { key: reader.key, body: { value: 1 } }), 403, "forbidden");
    expectError(await api("DELETE", `/v1/state/${owner.agentId}/plan`, { key: reader.key }), 403, "forbidden");
    expect((await api("GET", `/v1/state/${owner.agentId}/plan`)).body).toMatchObject({ value: ["step 1"], version: 1 });
  });

  it("lets an agent read another agent's state (hand-off) but not write or delete it", async () => {
    const owner = await newAgent();
    const other = await newAgent();
    await api("PUT", `/v1/state/${owner.agentId}/handoff`, { key: owner.key, body: { value: { next: "review" } } });

    const read = await api("GET", `/v1/state/${owner.agentId}/handoff`, { key: other.key });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ agent_id: owner.agentId, value: { next: "review" } });

    const write = await api("PUT", `/v1/state/${owner.agentId}/handoff`, { key: other.key, body: { value: "mine now" } });
    expectError(write, 403, "forbidden");
    expect(write.body.error.details).toMatchObject({ action: "state:write", resource: `state:${owner.agentId}` });
    const del = await api("DELETE", `/v1/state/${owner.agentId}/handoff`, { key: other.key });
    expectError(del, 403, "forbidden");
    const created = await api("PUT", `/v1/state/${owner.agentId}/new_key`, { key: other.key, body: { value: 1 } });
    expectError(created, 403, "forbidden");

    const after = await api("GET", `/v1/state/${owner.agentId}/handoff`, { key: owner.key });
    expect(after.body).toMatchObject({ value: { next: "review" }, version: 1 });
    expectError(await api("GET", `/v1/state/${owner.agentId}/new_key`), 404, "not_found");
  });

  it("lets the admin write and delete any agent's state, recording who wrote it", async () => {
    const owner = await newAgent();
    const put = await api("PUT", `/v1/state/${owner.agentId}/config`, { body: { value: { mode: "safe" } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ agent_id: owner.agentId, version: 1, updated_by: "admin" });
    expect((await api("GET", `/v1/state/${owner.agentId}/config`, { key: owner.key })).body.value).toEqual({ mode: "safe" });
    expect((await api("DELETE", `/v1/state/${owner.agentId}/config`)).status).toBe(200);
  });

  it("lets an admin-role agent write another agent's state", async () => {
    const owner = await newAgent();
    const boss = await newAgent("admin");
    const put = await api("PUT", `/v1/state/${owner.agentId}/config`, { key: boss.key, body: { value: 1 } });
    expect(put.status).toBe(200);
    expect(put.body.updated_by).toBe(boss.agentId);
  });
});
