import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, auditRowsFor, expectError, newAgent, newRequestId, uniqueId } from "./helpers";

/** Sends one call under a fresh X-Request-Id and returns the response with the audit rows it wrote. */
async function audited(method: string, path: string, options: Parameters<typeof api>[2] = {}) {
  const requestId = newRequestId("audit");
  const res = await api(method, path, { ...options, headers: { ...options.headers, "x-request-id": requestId } });
  return { res, requestId, rows: await auditRowsFor(requestId) };
}

function expectOneSuccess(rows: Awaited<ReturnType<typeof auditRowsFor>>, requestId: string, fields: { agent_id: string; action: string; resource: string }) {
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  expect(row).toMatchObject({ ...fields, status: "success", request_id: requestId });
  expect(row.audit_id).toMatch(/^aud_/);
  expect(row.at).toMatch(ISO_MILLIS);
  expect(Math.abs(Date.parse(row.at) - Date.now())).toBeLessThan(60_000);
  return row;
}

describe("audit log", () => {
  it("records an agent's creation, change and deletion, each under the caller and the request id", async () => {
    const agentId = uniqueId();
    const created = await audited("POST", "/v1/agents", { body: { agent_id: agentId, role: "reader" } });
    expect(created.res.status).toBe(201);
    expectOneSuccess(created.rows, created.requestId, { agent_id: "admin", action: "agent:create", resource: `agent:${agentId}` });

    const patched = await audited("PATCH", `/v1/agents/${agentId}`, { body: { role: "agent" } });
    expect(patched.res.status).toBe(200);
    expectOneSuccess(patched.rows, patched.requestId, { agent_id: "admin", action: "agent:update", resource: `agent:${agentId}` });

    const deleted = await audited("DELETE", `/v1/agents/${agentId}`);
    expect(deleted.res.status).toBe(200);
    expectOneSuccess(deleted.rows, deleted.requestId, { agent_id: "admin", action: "agent:delete", resource: `agent:${agentId}` });
  });

  it("names the admin-role agent that made a change, not 'admin'", async () => {
    const boss = await newAgent("admin");
    const agentId = uniqueId();
    const created = await audited("POST", "/v1/agents", { key: boss.key, body: { agent_id: agentId } });
    expectOneSuccess(created.rows, created.requestId, { agent_id: boss.agentId, action: "agent:create", resource: `agent:${agentId}` });
  });

  it("records a key's issue and revocation with its key_id", async () => {
    const agentId = uniqueId();
    await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const issued = await audited("POST", `/v1/agents/${agentId}/keys`);
    expect(issued.res.status).toBe(201);
    const issueRow = expectOneSuccess(issued.rows, issued.requestId, { agent_id: "admin", action: "key:create", resource: `agent:${agentId}` });
    expect(JSON.parse(issueRow.details!)).toEqual({ key_id: issued.res.body.key_id });
    expect(issueRow.details).not.toContain(issued.res.body.api_key.slice(3));

    const revoked = await audited("DELETE", `/v1/agents/${agentId}/keys/${issued.res.body.key_id}`);
    expect(revoked.res.status).toBe(200);
    const revokeRow = expectOneSuccess(revoked.rows, revoked.requestId, { agent_id: "admin", action: "key:revoke", resource: `agent:${agentId}` });
    expect(JSON.parse(revokeRow.details!)).toEqual({ key_id: issued.res.body.key_id });
  });

  it("records state writes and deletes under the agent that made them", async () => {
    const a = await newAgent();
    const put = await audited("PUT", `/v1/state/${a.agentId}/plan`, { key: a.key, body: { value: [1, 2] } });
    expect(put.res.status).toBe(200);
    const putRow = expectOneSuccess(put.rows, put.requestId, { agent_id: a.agentId, action: "state:write", resource: `state:${a.agentId}/plan` });
    expect(JSON.parse(putRow.details!)).toEqual({ version: 1 });

    const byAdmin = await audited("PUT", `/v1/state/${a.agentId}/plan`, { body: { value: 3 } });
    expectOneSuccess(byAdmin.rows, byAdmin.requestId, { agent_id: "admin", action: "state:write", resource: `state:${a.agentId}/plan` });

    const del = await audited("DELETE", `/v1/state/${a.agentId}/plan`, { key: a.key });
    expect(del.res.status).toBe(200);
    expectOneSuccess(del.rows, del.requestId, { agent_id: a.agentId, action: "state:delete", resource: `state:${a.agentId}/plan` });
  });

  it("writes no audit row for reads", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 1 } });
    for (const [path, key] of [
      [`/v1/state/${a.agentId}/k`, a.key],
      [`/v1/state/${a.agentId}`, a.key],
      ["/v1/whoami", a.key],
      [`/v1/agents/${a.agentId}`, undefined],
      ["/v1/agents", undefined],
      [`/v1/agents/${a.agentId}/keys`, undefined],
    ] as const) {
      const read = await audited("GET", path, { key });
      expect(read.res.status, path).toBe(200);
      expect(read.rows, path).toEqual([]);
    }
  });

  it("writes no success row for a request that failed", async () => {
    const a = await newAgent();
    await api("PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 1 } });
    const failures: [number, string, string, Parameters<typeof api>[2]][] = [
      [409, "POST", "/v1/agents", { body: { agent_id: a.agentId } }],
      [400, "POST", "/v1/agents", { body: { agent_id: uniqueId(), role: "boss" } }],
      [404, "PATCH", `/v1/agents/${uniqueId("ghost")}`, { body: { role: "reader" } }],
      [400, "PATCH", `/v1/agents/${a.agentId}`, { body: { role: "boss" } }],
      [404, "DELETE", `/v1/agents/${uniqueId("ghost")}`, {}],
      [404, "POST", `/v1/agents/${uniqueId("ghost")}/keys`, {}],
      [404, "DELETE", `/v1/agents/${a.agentId}/keys/key_does_not_exist`, {}],
      [409, "PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: 2, expected_version: 7 } }],
      [400, "PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { nothing: true } }],
      [413, "PUT", `/v1/state/${a.agentId}/k`, { key: a.key, body: { value: "x".repeat(1024 * 1024) } }],
      [404, "PUT", `/v1/state/${uniqueId("ghost")}/k`, { body: { value: 1 } }],
      [404, "DELETE", `/v1/state/${a.agentId}/unset`, { key: a.key }],
      [409, "DELETE", `/v1/state/${a.agentId}/k?expected_version=9`, { key: a.key }],
    ];
    for (const [status, method, path, options] of failures) {
      const { res, rows } = await audited(method, path, options);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(rows, `${method} ${path}`).toEqual([]);
    }
  });

  it("records a denial as a 'denied' row, not a success", async () => {
    const reader = await newAgent("reader");
    const { res, rows, requestId } = await audited("PUT", `/v1/state/${reader.agentId}/k`, { key: reader.key, body: { value: 1 } });
    expectError(res, 403, "forbidden");
    expect(rows).toEqual([
      expect.objectContaining({ agent_id: reader.agentId, action: "state:write", resource: `state:${reader.agentId}`, status: "denied", request_id: requestId }),
    ]);
    expect(rows[0]!.at).toMatch(ISO_MILLIS);
  });

  it("uses the generated request id when the caller sends none", async () => {
    const agentId = uniqueId();
    const res = await api("POST", "/v1/agents", { body: { agent_id: agentId } });
    const requestId = res.headers.get("x-request-id")!;
    expect(requestId).toMatch(/^req_/);
    expectOneSuccess(await auditRowsFor(requestId), requestId, { agent_id: "admin", action: "agent:create", resource: `agent:${agentId}` });
  });

  it("writes no second row when an idempotent retry replays a creation", async () => {
    const agentId = uniqueId();
    const key = newRequestId("idem");
    await api("POST", "/v1/agents", { body: { agent_id: agentId }, headers: { "idempotency-key": key } });
    const retry = await audited("POST", "/v1/agents", { body: { agent_id: agentId }, headers: { "idempotency-key": key } });
    expect(retry.res.status).toBe(201);
    expect(retry.rows).toEqual([]);
  });
});
