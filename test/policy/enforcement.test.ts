import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, auditRowsFor, expectError, newAgent, newRequestId, uniqueId } from "../helpers";
import { createPolicy, deletePolicy, withPolicy } from "./helpers";

/** Registers `agentId` if it is not there yet, and issues it a fresh key. */
async function agentNamed(agentId: string) {
  const created = await api("POST", "/v1/agents", { body: { agent_id: agentId } });
  if (created.status !== 201 && created.status !== 409) throw new Error(JSON.stringify(created.body));
  return { agentId, key: (await api("POST", `/v1/agents/${agentId}/keys`)).body.api_key as string };
}

const store = (key: string, namespace: string, headers: Record<string, string> = {}) =>
  api("POST", "/v1/memory", { key, body: { agent_id: namespace, content: `a fact for ${namespace}` }, headers });

async function denialRow(requestId: string) {
  const audit = await auditRowsFor(requestId);
  expect(audit).toHaveLength(1);
  const details = JSON.parse(audit[0]!.details!) as { policy_id: string | null; reason: string };
  const denial = await env.DB.prepare("SELECT * FROM _policy_denials WHERE agent_id = ? AND policy_id IS ? ORDER BY denial_id DESC")
    .bind(audit[0]!.agent_id, details.policy_id)
    .first<Record<string, unknown>>();
  return { audit: audit[0]!, details, denial };
}

describe("the seed rule: only agent-a may write shared-knowledge-base", () => {
  it("refuses every other agent's write with 403 naming the policy, records it, and lifts on delete", async () => {
    const a = await agentNamed("agent-a");
    const b = await newAgent();
    const policyId = await createPolicy({
      effect: "deny",
      actions: ["memory:write"],
      resources: ["memory:shared-knowledge-base"],
      condition: 'subject.agent_id != "agent-a"',
    });
    try {
      const requestId = newRequestId("seed");
      const refused = await store(b.key, "shared-knowledge-base", { "x-request-id": requestId });
      expectError(refused, 403, "forbidden");
      expect(refused.body.error.details).toEqual({
        action: "memory:write",
        resource: "memory:shared-knowledge-base",
        policy_id: policyId,
        reason: `denied by policy '${policyId}'`,
      });
      const { audit, details, denial } = await denialRow(requestId);
      expect(audit).toMatchObject({ agent_id: b.agentId, action: "memory:write", resource: "memory:shared-knowledge-base", status: "denied" });
      expect(details.policy_id).toBe(policyId);
      expect(denial).toMatchObject({ agent_id: b.agentId, action: "memory:write", resource: "memory:shared-knowledge-base", policy_id: policyId });

      expect((await store(a.key, "shared-knowledge-base")).status).toBe(201);
      // Reading is not writing: b still reads what agent-a wrote.
      const read = await api("GET", "/v1/memory?agent_id=shared-knowledge-base", { key: b.key });
      expect(read.status).toBe(200);
      expect(read.body.items.length).toBeGreaterThan(0);
      // Nothing of b's refused write was stored.
      expect(read.body.items.every((m: { content: string }) => m.content === "a fact for shared-knowledge-base")).toBe(true);
    } finally {
      await deletePolicy(policyId);
    }
    // The very next request is decided without the policy (the set's version changed with the delete).
    expect((await store(b.key, "shared-knowledge-base")).status).toBe(201);
  });

  it("also covers the batch store and refuses it whole", async () => {
    const b = await newAgent();
    const ns = uniqueId("kb");
    await withPolicy({ effect: "deny", actions: ["memory:write"], resources: [`memory:${ns}`], condition: 'subject.agent_id != "agent-a"' }, async (policyId) => {
      const res = await api("POST", "/v1/memory/batch", { key: b.key, body: { memories: [{ agent_id: b.agentId, content: "mine" }, { agent_id: ns, content: "shared" }] } });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details.policy_id).toBe(policyId);
      expect((await api("GET", `/v1/memory?agent_id=${b.agentId}`, { key: b.key })).body.items).toEqual([]);
    });
  });
});

describe("conditions", () => {
  it("decide on the subject's attributes; a deny whose attribute is missing fails closed", async () => {
    const ns = uniqueId("ledger");
    const finance = await newAgent("agent", { team: "finance" });
    const ops = await newAgent("agent", { team: "ops" });
    const anonymous = await newAgent();
    await withPolicy({ effect: "deny", actions: ["memory:write"], resources: [`memory:${ns}`], condition: 'subject.attributes.team != "finance"' }, async (policyId) => {
      expect((await store(finance.key, ns)).status).toBe(201);
      const refused = await store(ops.key, ns);
      expectError(refused, 403, "forbidden");
      expect(refused.body.error.details.policy_id).toBe(policyId);
      const missing = await store(anonymous.key, ns);
      expectError(missing, 403, "forbidden");
      expect(missing.body.error.details.reason).toMatch(/could not be evaluated .*No such key: team.*fails closed/);
    });
  });

  it("an allow whose condition cannot be evaluated grants nothing", async () => {
    const owner = await newAgent();
    const helper = await newAgent();
    await withPolicy(
      { effect: "allow", actions: ["state:write"], resources: [`state:${owner.agentId}`], condition: "subject.attributes.trusted == true" },
      async () => {
        const res = await api("PUT", `/v1/state/${owner.agentId}/plan`, { key: helper.key, body: { value: 1 } });
        expectError(res, 403, "forbidden");
        expect(res.body.error.details.policy_id).toBe(null);
      },
    );
  });

  it("decide on resource.id, across a resource glob", async () => {
    const prefix = uniqueId("proj");
    const agent = await newAgent();
    await withPolicy(
      { effect: "deny", actions: ["memory:read"], resources: [`memory:${prefix}-*`], condition: 'resource.id.endsWith("-secret")' },
      async (policyId) => {
        expect((await api("GET", `/v1/memory?agent_id=${prefix}-public`, { key: agent.key })).status).toBe(200);
        const secret = await api("GET", `/v1/memory?agent_id=${prefix}-secret`, { key: agent.key });
        expectError(secret, 403, "forbidden");
        expect(secret.body.error.details).toMatchObject({ resource: `memory:${prefix}-secret`, policy_id: policyId });
        // A search over several namespaces is refused if any of them is.
        const search = await api("POST", "/v1/memory/search", { key: agent.key, body: { agent_id: [`${prefix}-public`, `${prefix}-secret`], query: "x" } });
        expectError(search, 403, "forbidden");
      },
    );
  });
});

describe("policies on agent state", () => {
  it("a deny takes away what the role default gives: one agent may no longer read another's state", async () => {
    const owner = await newAgent();
    const nosy = await newAgent();
    const other = await newAgent();
    await api("PUT", `/v1/state/${owner.agentId}/plan`, { key: owner.key, body: { value: "secret plan" } });
    await withPolicy({ effect: "deny", actions: ["state:read"], resources: [`state:${owner.agentId}`], principals: [nosy.agentId] }, async (policyId) => {
      for (const path of [`/v1/state/${owner.agentId}/plan`, `/v1/state/${owner.agentId}`]) {
        const res = await api("GET", path, { key: nosy.key });
        expectError(res, 403, "forbidden");
        expect(res.body.error.details).toMatchObject({ action: "state:read", resource: `state:${owner.agentId}`, policy_id: policyId });
      }
      expect((await api("GET", `/v1/state/${owner.agentId}/plan`, { key: other.key })).status).toBe(200);
      expect((await api("GET", `/v1/state/${owner.agentId}/plan`, { key: owner.key })).status).toBe(200);
    });
  });

  it("an allow shares an agent's state with another for writing, and only with that one", async () => {
    const owner = await newAgent();
    const helper = await newAgent();
    const stranger = await newAgent();
    await withPolicy({ effect: "allow", actions: ["state:write"], resources: [`state:${owner.agentId}`], principals: [helper.agentId] }, async () => {
      const put = await api("PUT", `/v1/state/${owner.agentId}/handoff`, { key: helper.key, body: { value: { step: 2 } } });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ version: 1, updated_by: helper.agentId });
      expect((await api("DELETE", `/v1/state/${owner.agentId}/handoff`, { key: helper.key })).status).toBe(200);
      const refused = await api("PUT", `/v1/state/${owner.agentId}/handoff`, { key: stranger.key, body: { value: 1 } });
      expectError(refused, 403, "forbidden");
      expect(refused.body.error.details).toMatchObject({ policy_id: null, reason: expect.stringContaining("belongs to agent") });
    });
  });

  it("an allow never lets a reader write, nor grants an admin-only action", async () => {
    const reader = await newAgent("reader");
    const agent = await newAgent();
    await withPolicy({ effect: "allow", actions: ["state:write", "policy:manage"], resources: ["*"], principals: [reader.agentId, agent.agentId] }, async () => {
      const write = await api("PUT", `/v1/state/${reader.agentId}/k`, { key: reader.key, body: { value: 1 } });
      expectError(write, 403, "forbidden");
      expect(write.body.error.details).toMatchObject({ policy_id: null, reason: "the reader role may only read" });
      const manage = await api("GET", "/v1/policies", { key: agent.key });
      expectError(manage, 403, "forbidden");
      expect(manage.body.error.details.policy_id).toBe(null);
    });
  });
});

describe("who policies bind", () => {
  it("a deny wins over an allow for the same call, whichever was written first", async () => {
    const owner = await newAgent();
    const helper = await newAgent();
    const target = { actions: ["state:write"], resources: [`state:${owner.agentId}`], principals: [helper.agentId] };
    const denyId = await createPolicy({ effect: "deny", ...target });
    const allowId = await createPolicy({ effect: "allow", ...target });
    try {
      const res = await api("PUT", `/v1/state/${owner.agentId}/k`, { key: helper.key, body: { value: 1 } });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details.policy_id).toBe(denyId);
    } finally {
      await deletePolicy(denyId);
    }
    expect((await api("PUT", `/v1/state/${owner.agentId}/k`, { key: helper.key, body: { value: 1 } })).status).toBe(200);
    await deletePolicy(allowId);
  });

  it("binds admin-role agents, but not the admin token (the break-glass)", async () => {
    const boss = await newAgent("admin");
    const ns = uniqueId("locked");
    await withPolicy({ effect: "deny", actions: ["memory:*"], resources: [`memory:${ns}`], principals: ["role:admin", "role:agent"] }, async (policyId) => {
      const res = await store(boss.key, ns);
      expectError(res, 403, "forbidden");
      expect(res.body.error.details.policy_id).toBe(policyId);
      expect((await store(env.ADMIN_TOKEN, ns)).status).toBe(201);
    });
  });

  it("binds by role: a deny for role:reader leaves agents alone", async () => {
    const reader = await newAgent("reader");
    const agent = await newAgent();
    const ns = uniqueId("board");
    await withPolicy({ effect: "deny", actions: ["*:read"], resources: [`memory:${ns}`], principals: ["role:reader"] }, async (policyId) => {
      const res = await api("GET", `/v1/memory?agent_id=${ns}`, { key: reader.key });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details.policy_id).toBe(policyId);
      expect((await api("GET", `/v1/memory?agent_id=${ns}`, { key: agent.key })).status).toBe(200);
    });
  });

  it("memory deletes authorise memory:delete on the namespace", async () => {
    const agent = await newAgent();
    const stored = await store(agent.key, agent.agentId);
    await withPolicy({ effect: "deny", actions: ["memory:delete"], resources: [`memory:${agent.agentId}`] }, async (policyId) => {
      const del = await api("DELETE", `/v1/memory/${stored.body.memory_id}`, { key: agent.key });
      expectError(del, 403, "forbidden");
      expect(del.body.error.details).toMatchObject({ action: "memory:delete", resource: `memory:${agent.agentId}`, policy_id: policyId });
      const cleanup = await api("POST", "/v1/memory/cleanup", { key: agent.key, body: { agent_id: agent.agentId, min_importance: 1 } });
      expectError(cleanup, 403, "forbidden");
    });
    expect((await api("GET", `/v1/memory/${stored.body.memory_id}`, { key: agent.key })).status).toBe(200);
  });
});

describe("the policy set under concurrent change", () => {
  it("decides each request by the set before or after a change, and every request after it by the new set", async () => {
    const owner = await newAgent();
    const reader = await newAgent();
    await api("PUT", `/v1/state/${owner.agentId}/plan`, { key: owner.key, body: { value: 1 } });
    const read = () => api("GET", `/v1/state/${owner.agentId}/plan`, { key: reader.key });
    const deny = { effect: "deny", actions: ["state:read"], resources: [`state:${owner.agentId}`], principals: [reader.agentId] };
    const during = await Promise.all([...Array.from({ length: 10 }, read), createPolicy(deny), ...Array.from({ length: 10 }, read)]);
    const policyId = during[10] as string;
    for (const res of during.filter((r): r is Awaited<ReturnType<typeof read>> => typeof r !== "string")) {
      expect([200, 403]).toContain(res.status);
      if (res.status === 403) expect(res.body.error.details.policy_id).toBe(policyId);
    }
    const after = await Promise.all(Array.from({ length: 10 }, read));
    expect(after.map((r) => r.status)).toEqual(Array(10).fill(403));
    await deletePolicy(policyId);
    const restored = await Promise.all(Array.from({ length: 10 }, read));
    expect(restored.map((r) => r.status)).toEqual(Array(10).fill(200));
  });
});
