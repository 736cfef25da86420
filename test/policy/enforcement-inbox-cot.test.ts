import { describe, expect, it } from "vitest";
import { api, count, expectError, newAgent, uniqueId } from "../helpers";
import { withPolicy } from "./helpers";

// The policy engine is the one decision for every resource: the inbox and the ledger obey the same
// policies as memory and state.
describe("policies over the inbox and the ledger", () => {
  it("a deny on inbox:send stops messages to that inbox only, and lifts when deleted", async () => {
    const quiet = await newAgent();
    const other = await newAgent();
    const sender = await newAgent();
    const send = (to: string) => api("POST", `/v1/inbox/${to}/messages`, { key: sender.key, body: { type: "ping", body: { n: 1 } } });

    await withPolicy({ effect: "deny", actions: ["inbox:send"], resources: [`inbox:${quiet.agentId}`] }, async (policyId) => {
      const refused = await send(quiet.agentId);
      expectError(refused, 403, "forbidden");
      expect(refused.body.error.details).toMatchObject({ action: "inbox:send", resource: `inbox:${quiet.agentId}`, policy_id: policyId });
      expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND policy_id = ?", sender.agentId, policyId)).toBe(1);
      expect((await send(other.agentId)).status).toBe(201);
      const polled = await api("GET", `/v1/inbox/${quiet.agentId}`, { key: quiet.key });
      expect(polled.body.items).toEqual([]);
    });
    expect((await send(quiet.agentId)).status).toBe(201);
  });

  it("an allow lets a named auditor read another agent's inbox, and no one else", async () => {
    const owner = await newAgent();
    const auditor = await newAgent();
    const stranger = await newAgent();
    await withPolicy({ effect: "allow", actions: ["inbox:read"], resources: [`inbox:${owner.agentId}`], principals: [auditor.agentId] }, async () => {
      expect((await api("GET", `/v1/inbox/${owner.agentId}/history`, { key: auditor.key })).status).toBe(200);
      expectError(await api("GET", `/v1/inbox/${owner.agentId}/history`, { key: stranger.key }), 403, "forbidden");
    });
    expectError(await api("GET", `/v1/inbox/${owner.agentId}/history`, { key: auditor.key }), 403, "forbidden");
  });

  it("a deny with a condition on resource.id keeps agents out of ledger sessions by name", async () => {
    const agent = await newAgent();
    const secret = uniqueId("secret");
    const open = uniqueId("open");
    await withPolicy({ effect: "deny", actions: ["cot:write"], resources: ["cot:*"], condition: 'resource.id.startsWith("secret")' }, async () => {
      const log = (session_id: string) => api("POST", "/v1/cot", { key: agent.key, body: { session_id, step_type: "observation", content: "seen" } });
      expectError(await log(secret), 403, "forbidden");
      expect((await log(open)).status).toBe(201);
      expect(await count("SELECT COUNT(*) AS n FROM _cot WHERE session_id = ?", secret)).toBe(0);
    });
  });
});
