import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { armForBucket, armOf, assignmentBucket, recordAssignments } from "../../src/ab/assignment";
import { chiSquareSurvival } from "../../src/ab/distributions";
import { newId } from "../../src/lib/ids";
import { startRun } from "../../src/runs/start-run";
import { api, count } from "../helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import { getTest, pollAll, startRuns, startedTest, testBody, testedAgent, workflowOf } from "./ab-helpers";

// Which arm a run gets: a stable, uniform hash of (test, run) against the split, counted once per run at
// its start, for `latest` references only.

const runIds = (n: number) => Array.from({ length: n }, () => newId("run"));

describe("the assignment hash", () => {
  it("is stable, in [0, 100), and uniform (χ² over 20 bins of 20,000 run ids)", () => {
    const test = newId("ab");
    const ids = runIds(20_000);
    const bins = new Array<number>(20).fill(0);
    for (const id of ids) {
      const bucket = assignmentBucket(test, id);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
      bins[Math.floor(bucket / 5)]!++;
    }
    expect(assignmentBucket(test, ids[0]!)).toBe(assignmentBucket(test, ids[0]!));
    const expected = ids.length / bins.length;
    const chiSquare = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    expect(chiSquareSurvival(chiSquare, bins.length - 1)).toBeGreaterThan(0.001);
  });

  it("splits at the configured share: a takes [0, a), b the rest", () => {
    expect(armForBucket(0, { a: 80, b: 20 })).toBe("a");
    expect(armForBucket(79.9999999, { a: 80, b: 20 })).toBe("a");
    expect(armForBucket(80, { a: 80, b: 20 })).toBe("b");
    expect(armForBucket(99.9999999, { a: 80, b: 20 })).toBe("b");
    expect(armForBucket(33.2, { a: 33.3, b: 66.7 })).toBe("a");
    expect(armForBucket(33.4, { a: 33.3, b: 66.7 })).toBe("b");
  });

  it("splits the same runs independently for two tests (both-a ≈ 0.8² within 4 SD)", () => {
    const [t1, t2] = [newId("ab"), newId("ab")];
    const ids = runIds(10_000);
    const both = ids.filter((id) => armOf({ abTestId: t1, splitA: 80, splitB: 20 }, id) === "a" && armOf({ abTestId: t2, splitA: 80, splitB: 20 }, id) === "a").length;
    const p = 0.64;
    expect(Math.abs(both - p * ids.length)).toBeLessThan(4 * Math.sqrt(ids.length * p * (1 - p)));
  });
});

describe("counting assignments", () => {
  it("loses no count when 1,000 starts record at once, and counts a retried start of the same run once", async () => {
    const agent = await testedAgent();
    const id = await startedTest(testBody(agent.agentId, { traffic_split: { a: 80, b: 20 } }));
    const ids = runIds(1000);
    const choices = ids.map((runId) => ({ runId, arm: armOf({ abTestId: id, splitA: 80, splitB: 20 }, runId) }));
    await Promise.all(choices.map((c) => recordAssignments(env.DB, c.runId, [{ ab_test_id: id, arm: c.arm, version: "x" }])));
    const expectedA = choices.filter((c) => c.arm === "a").length;
    let test = await getTest(id);
    expect([test.arms.a.assigned, test.arms.b.assigned]).toEqual([expectedA, 1000 - expectedA]);
    await Promise.all(choices.slice(0, 100).map((c) => recordAssignments(env.DB, c.runId, [{ ab_test_id: id, arm: c.arm, version: "x" }])));
    test = await getTest(id);
    expect(test.arms.a.assigned + test.arms.b.assigned).toBe(1000);
    expect(await count("SELECT COUNT(*) AS n FROM _ab_assignments WHERE ab_test_id = ?", id)).toBe(1000);
  });

  it("counts 50 concurrent starts through the API exactly, each on the arm its run was given", async () => {
    const agent = await testedAgent();
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId));
    const runs = await startRuns(workflow, 50, 50);
    const onB = runs.filter((r) => r.agents[agent.agentId] === "1.1.0").length;
    const test = await getTest(id);
    expect([test.arms.a.assigned, test.arms.b.assigned]).toEqual([50 - onB, onB]);
    for (const run of runs) expect(run.agents[agent.agentId]).toBe(armOf({ abTestId: id, splitA: 50, splitB: 50 }, run.run_id) === "a" ? "1.0.0" : "1.1.0");
    const tasks = await pollAll(agent);
    expect(tasks).toHaveLength(50);
    for (const task of tasks) expect(task.ab).toEqual({ ab_test_id: id, arm: task.version === "1.0.0" ? "a" : "b" });
    const one = await api("GET", `/v1/tasks/${tasks[0]!.task_id}`);
    expect(one.body.ab).toEqual(tasks[0]!.ab);
    expect(await count("SELECT COUNT(*) AS n FROM _tasks WHERE ab_test_id = ? AND ab_arm = 'b'", id)).toBe(onB);
  });
});

describe("which references a test touches", () => {
  it("replaces `latest` only: exact pins and ranges keep what the catalog gives them", async () => {
    const tested = await testedAgent();
    const [pinned, ranged] = [await testedAgent("abpin"), await testedAgent("abrange")];
    for (const a of [tested, pinned, ranged]) await startedTest(testBody(a.agentId, { traffic_split: { a: 1, b: 99 } }));
    const name = workflowName("abrefs");
    const yaml = `agents:
  - {name: ${tested.agentId}, version: latest}
  - {name: ${pinned.agentId}, version: "1.0.0"}
  - {name: ${ranged.agentId}, version: "^1.0"}
coordination:
  pattern: shared-state
  state_store: {type: key-value, conflict_resolution: last-write-wins}
  agents:
    - {name: ${tested.agentId}, writes: [x]}
    - {name: ${pinned.agentId}, writes: [y]}
    - {name: ${ranged.agentId}, writes: [z]}
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const runs = await startRuns(name, 10);
    const b = runs.filter((r) => r.agents[tested.agentId] === "1.1.0").length;
    expect(b).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.agents[pinned.agentId]).toBe("1.0.0");
      expect(run.agents[ranged.agentId]).toBe("1.1.0");
    }
    const [p] = await pollAll(pinned);
    expect(p!.ab).toBeUndefined();
    expect(await count("SELECT SUM(assigned) AS n FROM _ab_test_arms WHERE ab_test_id IN (SELECT ab_test_id FROM _ab_tests WHERE agent_id IN (?, ?))", pinned.agentId, ranged.agentId)).toBe(0);
  });

  it("leaves a dry run out: no arm, no count, `latest` as the catalog says", async () => {
    const agent = await testedAgent("abdry", ["1.0.0", "1.1.0-rc.1"]);
    const id = await startedTest(testBody(agent.agentId, { versions: { a: "1.0.0", b: "1.1.0-rc.1" }, traffic_split: { a: 1, b: 99 } }));
    const workflow = await workflowOf(agent.agentId);
    const dry = await api("POST", "/v1/dry-runs", { body: { workflow } });
    expect(dry.status).toBe(200);
    expect(dry.body.agents[agent.agentId]).toBe("1.0.0");
    expect(dry.body.tasks.every((t: { ab?: unknown }) => t.ab === undefined)).toBe(true);
    const test = await getTest(id);
    expect(test.arms.a.assigned + test.arms.b.assigned).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _ab_assignments WHERE run_id = ?", dry.body.dry_run_id)).toBe(0);
  });
});
