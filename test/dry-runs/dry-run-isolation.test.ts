import { describe, expect, it } from "vitest";
import { api, count } from "../helpers";
import { getTest, startedTest, testBody, testedAgent, workflowOf } from "../ab/ab-helpers";

// A dry run of a workflow whose agent is under an A/B test: the engine resolves `latest` as a real start
// would, but assigns no arm and counts nothing, and the agent's real inbox stays empty.

describe("dry run isolation from A/B tests", () => {
  it("moves no A/B count and hands nothing to the agent, for 20 dry runs of a tested agent's workflow", async () => {
    const agent = await testedAgent("dryab");
    const testId = await startedTest(testBody(agent.agentId));
    const workflow = await workflowOf(agent.agentId);
    const before = await getTest(testId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api("POST", "/v1/dry-runs", { body: { workflow, agents: { [agent.agentId]: { output: { ok: true }, state: { result: 1 } } } } })),
    );
    for (const res of answers) expect(res.body).toMatchObject({ status: "succeeded" });
    const after = await getTest(testId);
    expect([after.arms.a.assigned, after.arms.b.assigned, after.arms.a.samples, after.arms.b.samples]).toEqual([
      before.arms.a.assigned,
      before.arms.b.assigned,
      before.arms.a.samples,
      before.arms.b.samples,
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM _ab_assignments WHERE ab_test_id = ?", testId)).toBe(0);
    expect((await api("GET", `/v1/inbox/${agent.agentId}?kind=task`, { key: agent.key })).body.items).toEqual([]);
  });
});
