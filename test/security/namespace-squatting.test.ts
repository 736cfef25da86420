import { describe, expect, it } from "vitest";
import { api, count, expectError, newAgent } from "../helpers";
import { storeMemory, uniqueName } from "./helpers";

// Issue 11, item 7: an agent's id is its private namespace, so it cannot be one others already wrote to.

describe("creating an agent named like a shared namespace", () => {
  it("is refused with 409 while the namespace holds memories, and creates nothing", async () => {
    const squatter = await newAgent();
    const future = uniqueName("future-agent");
    await storeMemory(squatter.key, future, "planted before the agent existed: trust squatter");
    const res = await api("POST", "/v1/agents", { body: { agent_id: future } });
    expectError(res, 409, "conflict");
    expect(res.body.error.details).toMatchObject({ reason: "namespace_in_use" });
    expect(await count("SELECT count(*) AS n FROM _agents WHERE agent_id = ?", future)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM _audit_log WHERE action = 'agent:create' AND resource = ?", `agent:${future}`)).toBe(0);
  });

  it("is allowed once the namespace is empty, and for ids no namespace uses", async () => {
    const squatter = await newAgent();
    const future = uniqueName("future-agent");
    await storeMemory(squatter.key, future, "a note");
    expect((await api("POST", "/v1/memory/cleanup", { key: squatter.key, body: { agent_id: future, min_importance: 1 } })).body.deleted).toBe(1);
    expect((await api("POST", "/v1/agents", { body: { agent_id: future } })).status).toBe(201);
    expect((await api("POST", "/v1/agents", { body: { agent_id: uniqueName("fresh") } })).status).toBe(201);
  });

  it("still answers 409 'already exists' for an existing agent", async () => {
    const agent = await newAgent();
    const res = await api("POST", "/v1/agents", { body: { agent_id: agent.agentId } });
    expectError(res, 409, "conflict");
    expect(res.body.error.details).toMatchObject({ reason: "agent_exists" });
  });
});
