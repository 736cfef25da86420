import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, uniqueId } from "../helpers";
import { policyCount, policySetVersion } from "./helpers";

const valid = () => ({
  policy_id: uniqueId("pol"),
  description: "Only agent-a writes the shared knowledge base",
  effect: "deny",
  actions: ["memory:write"],
  resources: ["memory:kb-never-written"],
  condition: 'subject.agent_id != "agent-a"',
});

describe("POST /v1/policies", () => {
  it("creates a policy, records it in the audit log and gives the policy set a new version", async () => {
    const before = await policySetVersion();
    const requestId = newRequestId("pol");
    const input = valid();
    const res = await api("POST", "/v1/policies", { body: input, headers: { "x-request-id": requestId } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ...input, principals: null, created_by: "admin", created_at: expect.stringMatching(ISO_MILLIS) });
    expect(await policySetVersion()).not.toBe(before);
    expect(await auditRowsFor(requestId)).toEqual([
      expect.objectContaining({ agent_id: "admin", action: "policy:create", resource: `policy:${input.policy_id}`, status: "success" }),
    ]);
    expect((await api("GET", `/v1/policies/${input.policy_id}`)).body).toEqual(res.body);
  });

  it("makes up a pol_ id when none is given, and keeps principals and conditions as sent", async () => {
    const res = await api("POST", "/v1/policies", {
      body: { effect: "allow", actions: ["state:*"], resources: ["state:*"], principals: ["role:reader", "some-agent"] },
    });
    expect(res.status).toBe(201);
    expect(res.body.policy_id).toMatch(/^pol_[0-9a-z]{26}$/);
    expect(res.body).toMatchObject({ effect: "allow", principals: ["role:reader", "some-agent"], condition: null, description: null });
  });

  it("answers 409 for a policy_id that exists and changes nothing", async () => {
    const input = valid();
    expect((await api("POST", "/v1/policies", { body: input })).status).toBe(201);
    const version = await policySetVersion();
    const requestId = newRequestId("dup");
    const again = await api("POST", "/v1/policies", { body: { ...input, effect: "allow" }, headers: { "x-request-id": requestId } });
    expectError(again, 409, "conflict");
    expect((await api("GET", `/v1/policies/${input.policy_id}`)).body.effect).toBe("deny");
    expect(await policySetVersion()).toBe(version);
    expect(await auditRowsFor(requestId)).toEqual([]);
  });

  it("lets exactly one of 20 concurrent creations of one policy_id through, with one audit row", async () => {
    const input = valid();
    const results = await Promise.all(Array.from({ length: 20 }, () => api("POST", "/v1/policies", { body: input })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'policy:create' AND resource = ?", `policy:${input.policy_id}`)).toBe(1);
  });

  it("replays the first answer for a retried Idempotency-Key and creates nothing new", async () => {
    const key = uniqueId("idem");
    const body = { effect: "deny", actions: ["cot:write"], resources: ["cot:never"] };
    const first = await api("POST", "/v1/policies", { body, headers: { "idempotency-key": key } });
    const before = await policyCount();
    const second = await api("POST", "/v1/policies", { body, headers: { "idempotency-key": key } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await policyCount()).toBe(before);
  });

  const badInputs: [string, Record<string, unknown>, string[], RegExp?][] = [
    ["an unknown action", { actions: ["memory:write", "memory:fly"] }, ["actions[1]"], /not a known action/],
    ["an action glob that matches no action", { actions: ["nothing:*"] }, ["actions[0]"], /no known action matches/],
    ["a resource without a type", { resources: ["shared-knowledge-base"] }, ["resources[0]"], /<type>:<name>/],
    ["an unknown resource type", { resources: ["memory:x", "disk:x"] }, ["resources[1]"], /'disk' is not a resource type/],
    ["a malformed resource glob", { resources: ["memory:a b*"] }, ["resources[0]"]],
    ["an empty resource name", { resources: ["memory:"] }, ["resources[0]"]],
    ["an unknown role", { principals: ["role:boss"] }, ["principals[0]"], /'boss' is not a role/],
    ["a principal that is no agent id", { principals: ["agent-a", "not an id!"] }, ["principals[1]"]],
    ["a CEL syntax error", { condition: 'subject.agent_id != "agent-a" &&' }, ["condition"], /does not parse: .*at column 33/],
    ["a CEL type error", { condition: "subject.agent_id + 1 == 2" }, ["condition"], /does not type-check/],
    ["an unknown CEL variable", { condition: "user.id == 1" }, ["condition"], /Unknown variable: user/],
    ["a condition that is not a bool", { condition: "subject.agent_id" }, ["condition"], /must be a bool expression/],
    ["an unknown effect", { effect: "maybe" }, ["effect"]],
    ["no actions", { actions: [] }, ["actions"]],
    ["an unknown field", { priority: 1 }, ["priority"]],
    ["a policy_id that is no name", { policy_id: "-bad id" }, ["policy_id"]],
  ];
  for (const [what, change, paths, message] of badInputs) {
    it(`refuses ${what} with 400 naming the field, and stores nothing`, async () => {
      const body = { ...valid(), ...change };
      const before = await policyCount();
      const version = await policySetVersion();
      const res = await api("POST", "/v1/policies", { body });
      expect(invalidPaths(res)).toEqual(paths);
      if (message) expect(JSON.stringify(res.body.error)).toMatch(message);
      expect(await policyCount()).toBe(before);
      expect(await policySetVersion()).toBe(version);
    });
  }

  it("never answers malformed bodies with a 5xx", async () => {
    for (const raw of ["", "null", "[]", "{", '{"effect": "deny", "actions": "memory:write", "resources": ["*"]}', '{"effect": "deny", "actions": [1], "resources": [null]}']) {
      expect((await api("POST", "/v1/policies", { raw })).status, raw).toBe(400);
    }
  });

  for (const role of ["agent", "reader"] as const) {
    it(`answers 403 to a${role === "agent" ? "n" : ""} ${role} on every policy route, records the denial and stores nothing`, async () => {
      const caller = await newAgent(role);
      const existing = valid();
      await api("POST", "/v1/policies", { body: existing });
      const before = await policyCount();
      const calls: [string, string, unknown?][] = [
        ["POST", "/v1/policies", valid()],
        ["GET", "/v1/policies"],
        ["GET", `/v1/policies/${existing.policy_id}`],
        ["DELETE", `/v1/policies/${existing.policy_id}`],
      ];
      for (const [method, path, body] of calls) {
        const requestId = newRequestId("pol403");
        const res = await api(method, path, { key: caller.key, body, headers: { "x-request-id": requestId } });
        expectError(res, 403, "forbidden");
        expect(res.body.error.details).toMatchObject({ action: "policy:manage", policy_id: null });
        expect(await auditRowsFor(requestId)).toEqual([expect.objectContaining({ agent_id: caller.agentId, action: "policy:manage", status: "denied" })]);
      }
      expect(await policyCount()).toBe(before);
      expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'policy:manage'", caller.agentId)).toBe(calls.length);
    });
  }

  it("lets an agent with the admin role manage policies, under its own name", async () => {
    const boss = await newAgent("admin");
    const res = await api("POST", "/v1/policies", { key: boss.key, body: valid() });
    expect(res.status).toBe(201);
    expect(res.body.created_by).toBe(boss.agentId);
  });
});

describe("GET and DELETE /v1/policies", () => {
  it("pages through every policy in policy_id order", async () => {
    const prefix = uniqueId("page");
    for (const n of [3, 1, 2]) await api("POST", "/v1/policies", { body: { ...valid(), policy_id: `${prefix}-${n}` } });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const res = await api("GET", `/v1/policies?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((p: { policy_id: string }) => p.policy_id));
      if (res.body.next_cursor === null) break;
      cursor = res.body.next_cursor;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    expect(await count("SELECT COUNT(*) AS n FROM _policies")).toBe(seen.length);
  });

  it("deletes a policy with an audit row and a new version; a second delete is 404", async () => {
    const input = valid();
    await api("POST", "/v1/policies", { body: input });
    const version = await policySetVersion();
    const requestId = newRequestId("poldel");
    const res = await api("DELETE", `/v1/policies/${input.policy_id}`, { headers: { "x-request-id": requestId } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ policy_id: input.policy_id, deleted: true });
    expect(await policySetVersion()).not.toBe(version);
    expect(await auditRowsFor(requestId)).toEqual([
      expect.objectContaining({ agent_id: "admin", action: "policy:delete", resource: `policy:${input.policy_id}`, status: "success" }),
    ]);
    const after = await policySetVersion();
    expectError(await api("DELETE", `/v1/policies/${input.policy_id}`), 404, "not_found");
    expectError(await api("GET", `/v1/policies/${input.policy_id}`), 404, "not_found");
    expect(await policySetVersion()).toBe(after);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM _policies WHERE policy_id = ?").bind(input.policy_id).first("n")).toBe(0);
  });
});
