// The seed rule of the governance issue, through the TypeScript client against `npm run dev`: only agent-a
// may write shared-knowledge-base. A policy says so; agent-b's write is refused with the policy's id; once
// the policy is deleted, agent-b's very next write goes through.
import { beforeAll, describe, expect, it } from "vitest";
import { Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const SHARED = "shared-knowledge-base";
const SEED_RULE = {
  policy_id: "only-agent-a-writes-kb",
  description: "Only agent-a may write shared-knowledge-base",
  effect: "deny" as const,
  actions: ["memory:write"],
  resources: [`memory:${SHARED}`],
  condition: 'subject.agent_id != "agent-a"',
};

async function refusal(call: Promise<unknown>): Promise<SwitchyardError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SwitchyardError)) throw new Error(`expected a SwitchyardError, got ${String(err)}`);
  return err;
}

describe("policies through the client", () => {
  const local = localServer();
  let admin: Switchyard;
  let agentA: Switchyard;
  let agentB: Switchyard;

  beforeAll(async () => {
    admin = local.admin();
    const clientFor = async (agentId: string) => {
      await admin.agents.create({ agent_id: agentId });
      const { api_key } = await admin.agents.keys.create(agentId);
      return local.client(api_key);
    };
    agentA = await clientFor("agent-a");
    agentB = await clientFor("agent-b");
  });

  it("creates the seed rule, lists it and reads it back", async () => {
    const created = await admin.policies.create(SEED_RULE);
    expect(created).toMatchObject({ ...SEED_RULE, principals: null, created_by: "admin" });
    expect(await admin.policies.get(SEED_RULE.policy_id)).toEqual(created);
    const all = [];
    for await (const policy of admin.policies.listAll({ limit: 1 })) all.push(policy);
    expect(all).toEqual([created]);
    expect((await admin.policies.list()).items).toEqual([created]);
  });

  it("refuses agent-b's write with 403 naming the policy, and lets agent-a write", async () => {
    const err = await refusal(agentB.memory.store({ agent_id: SHARED, content: "b was here" }));
    expect(err.status).toBe(403);
    expect(err.code).toBe("forbidden");
    expect(err.details).toMatchObject({ action: "memory:write", resource: `memory:${SHARED}`, policy_id: SEED_RULE.policy_id });
    const stored = await agentA.memory.store({ agent_id: SHARED, content: "Enterprise customers renew at 94%." });
    expect(stored.agent_id).toBe(SHARED);
    expect((await agentB.memory.list({ agent_id: SHARED })).items.map((m) => m.content)).toEqual(["Enterprise customers renew at 94%."]);
  });

  it("answers a non-admin's policy calls with 403 and a bad policy with 400 naming the field", async () => {
    expect((await refusal(agentA.policies.list())).status).toBe(403);
    const bad = await refusal(admin.policies.create({ effect: "deny", actions: ["memory:fly"], resources: ["memory:x"] }));
    expect(bad.status).toBe(400);
    expect(bad.details).toEqual([expect.objectContaining({ path: "actions[0]" })]);
    expect((await refusal(admin.policies.create(SEED_RULE))).code).toBe("conflict");
  });

  it("lifts the rule on agent-b's next request once the policy is deleted", async () => {
    expect(await admin.policies.delete(SEED_RULE.policy_id)).toEqual({ policy_id: SEED_RULE.policy_id, deleted: true });
    expect((await refusal(admin.policies.get(SEED_RULE.policy_id))).status).toBe(404);
    const stored = await agentB.memory.store({ agent_id: SHARED, content: "b may write again" });
    expect(stored.content).toBe("b may write again");
  });
});
