import { describe, expect, it } from "vitest";
import { api, count, expectError, newAgent } from "./helpers";

describe("agent state", () => {
  it("writes, versions and reads back a value", async () => {
    const a = await newAgent();
    const put = await api("PUT", `/v1/state/${a.agentId}/phase1_output`, { key: a.key, body: { value: { rows: 3 } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ agent_id: a.agentId, key: "phase1_output", value: { rows: 3 }, version: 1 });
    const put2 = await api("PUT", `/v1/state/${a.agentId}/phase1_output`, { key: a.key, body: { value: "done", expected_version: 1 } });
    expect(put2.body.version).toBe(2);
    const get = await api("GET", `/v1/state/${a.agentId}/phase1_output`, { key: a.key });
    expect(get.body).toMatchObject({ value: "done", version: 2 });
  });
});
