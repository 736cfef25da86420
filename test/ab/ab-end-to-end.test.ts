import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { armOf } from "../../src/ab/assignment";
import { newId } from "../../src/lib/ids";
import { startRun } from "../../src/runs/start-run";
import type { TaskRecord } from "../../durable-objects/workflow-run/effects";
import { writeRecords } from "../../durable-objects/workflow-run/effect-runner";
import { api, count } from "../helpers";
import { complete, getTest, pollAll, rate, startRuns, startedTest, testBody, testedAgent, workflowOf } from "./ab-helpers";

// A/B tests driven end to end through the API: runs started over HTTP, their tasks polled and completed
// by a simulated worker, the test read back as a user would. The two long figures (2,000 runs split 80/20,
// and a roll-back found by a real worker loop over ~600 runs) are in test/e2e/ab-tests.test.ts: a run
// start costs ~130 ms here, so they would double this suite's time.

afterEach(() => {
  vi.useRealTimers();
});

let taskSeq = 0;
const T0 = Date.parse("2026-11-21T10:00:00.000Z");

/** A finished task's registry record, as a run sends it when its agent completes the task. */
function finishedRecord(testId: string, agentId: string, arm: "a" | "b", failed: boolean, n: number): TaskRecord {
  taskSeq++;
  return {
    task_id: `tsk_e2e${taskSeq.toString().padStart(27, "0")}`,
    run_id: `run_e2e${taskSeq}`,
    workflow: "rollback",
    agent_id: agentId,
    version: arm === "a" ? "1.0.0" : "1.1.0",
    status: failed ? "failed" : "succeeded",
    attempt: 1,
    created_at: new Date(T0).toISOString(),
    started_at: new Date(T0).toISOString(),
    completed_at: new Date(T0 + 1000 + (n % 300)).toISOString(),
    deadline: new Date(T0 + 300_000).toISOString(),
    error_code: failed ? "task_failed" : null,
    tokens_in: 400 + (n % 50),
    tokens_out: 80,
    ab_test_id: testId,
    ab_arm: arm,
    rating: null,
    rev: 3,
  };
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);

describe("A/B tests end to end", () => {
  it("reports per-arm metrics equal to what the tasks did, and no verdict below min_samples", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const agent = await testedAgent();
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId));
    const runs = await startRuns(workflow, 60);
    const tasks = await pollAll(agent);
    expect(tasks).toHaveLength(60);
    for (const [i, task] of tasks.entries()) {
      vi.advanceTimersByTime(50 + ((i * 37) % 400));
      const usage = i % 11 === 0 ? {} : { usage: { tokens_in: 100 + i, tokens_out: i % 13 } };
      const body = i % 7 === 0 ? { status: "failed", error: { code: "bad_data" }, ...usage } : { output: { n: i }, ...usage };
      expect((await complete(agent, task.task_id, body)).status).toBe(200);
      if (i % 3 === 0) await rate(task.task_id, "up");
      if (i % 4 === 1) await rate(task.task_id, "down");
    }
    // Changed minds: the first three thumbs-up become thumbs-down.
    for (const task of tasks.filter((_, i) => i % 3 === 0).slice(0, 3)) await rate(task.task_id, "down");

    const views = await Promise.all(tasks.map(async (t) => (await api("GET", `/v1/tasks/${t.task_id}`)).body));
    const test = await getTest(id);
    for (const arm of ["a", "b"] as const) {
      const mine = views.filter((v) => v.ab?.arm === arm);
      const finished = mine.filter((v) => v.status === "succeeded" || v.status === "failed");
      const rated = mine.filter((v) => v.feedback);
      const expected = {
        version: arm === "a" ? "1.0.0" : "1.1.0",
        assigned: runs.filter((r) => r.agents[agent.agentId] === (arm === "a" ? "1.0.0" : "1.1.0")).length,
        samples: finished.length,
        success_rate: finished.filter((v) => v.status === "succeeded").length / finished.length,
        avg_duration_ms: mean(finished.map((v) => Date.parse(v.completed_at) - Date.parse(v.started_at))),
        avg_token_usage: mean(finished.filter((v) => v.usage).map((v) => v.usage.tokens_in + v.usage.tokens_out)),
        quality_score: rated.filter((v) => v.feedback.rating === "up").length / rated.length,
        rated: rated.length,
      };
      expect(mine.length).toBe(expected.assigned);
      expect(test.arms[arm]).toEqual({ ...expected, avg_duration_ms: expect.closeTo(expected.avg_duration_ms!, 6), avg_token_usage: expect.closeTo(expected.avg_token_usage!, 6) });
    }
    expect(test.recommendation).toBe("inconclusive");
    expect(test.reason).toBe(`waiting for 100 finished tasks per arm (min_samples): a has ${test.arms.a.samples}, b has ${test.arms.b.samples}`);
    for (const verdict of Object.values(test.metrics) as { significant: boolean }[]) expect(verdict.significant).toBe(false);
  }, 300_000);

  it("flags a forced 50/50 test that received 70/30 (runs started through the real assignment path with chosen run ids)", async () => {
    const agent = await testedAgent();
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId, { traffic_split: { a: 50, b: 50 } }));
    const wanted = { a: 70, b: 30 };
    const chosen: string[] = [];
    while (wanted.a + wanted.b > 0) {
      const runId = newId("run");
      const arm = armOf({ abTestId: id, splitA: 50, splitB: 50 }, runId);
      if (wanted[arm] > 0) {
        wanted[arm]--;
        chosen.push(runId);
      }
    }
    for (const runId of chosen) await startRun(env, { workflow, input: null, trigger: { type: "manual" }, startedBy: "admin", runId });
    const test = await getTest(id);
    expect([test.arms.a.assigned, test.arms.b.assigned]).toEqual([70, 30]);
    // χ² = 2·20²/50 = 16 on 1 df: p ≈ 6.3e-5.
    expect(test.srm.ok).toBe(false);
    expect(test.srm.p_value).toBeCloseTo(6.334e-5, 7);
    expect(test.recommendation).toBe("inconclusive");
    expect(test.reason).toContain("sample ratio mismatch: 70 runs went to a and 30 to b against a 50/50 split");
  }, 300_000);

  it("rolls back as soon as b is significantly worse on success_rate (tasks finishing through the run's real record path), and sends every later run to a", async () => {
    const agent = await testedAgent();
    const watched = await startedTest(testBody(agent.agentId, { auto_rollback: true }));
    const bystander = await testedAgent();
    const unwatched = await startedTest(testBody(bystander.agentId));
    // 90% success on a, 80% on b, 20 tasks of each arm per record batch, as runs would send them.
    let batches = 0;
    let test = await getTest(watched);
    while (test.status === "running" && batches < 40) {
      batches++;
      for (const [id, agentId] of [[watched, agent.agentId], [unwatched, bystander.agentId]] as const) {
        const tasks = Array.from({ length: 40 }, (_, i) => {
          const arm = i % 2 === 0 ? "a" : "b";
          const n = batches * 20 + Math.floor(i / 2);
          const failed = arm === "a" ? n % 10 === 0 : n % 5 === 0;
          return finishedRecord(id, agentId, arm, failed, n);
        });
        await writeRecords(env.DB, [{ type: "record", tasks, audit: [] }]);
      }
      test = await getTest(watched);
      // Still running means the verdict did not (yet) find b worse: it rolls back at the first batch that does.
      if (test.status === "running") expect(test.metrics.success_rate.significant).toBe(false);
    }
    expect(test.status).toBe("rolled_back");
    expect(test).toMatchObject({ ended_by: "switchyard", recommendation: "keep_a", srm: { ok: true } });
    expect(test.end_reason).toMatch(/^auto_rollback: b is significantly worse on success_rate/);
    expect(test.metrics.success_rate.significant).toBe(true);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'ab:roll_back' AND resource = ?", `ab:${watched}`)).toBe(1);
    // Tasks handed out before the roll-back still finish and count; however well b's stragglers do, the
    // rolled-back test keeps the answer it acted on, and its reason says what the figures say now.
    const stragglers = Array.from({ length: 60 }, (_, i) => finishedRecord(watched, agent.agentId, "b", false, 5000 + i));
    await writeRecords(env.DB, [{ type: "record", tasks: stragglers, audit: [] }]);
    const after = await getTest(watched);
    expect(after.arms.b.samples).toBe(test.arms.b.samples + 60);
    expect(after).toMatchObject({ status: "rolled_back", recommendation: "keep_a" });
    expect(after.reason).toMatch(/^rolled back at .*: b is significantly worse on success_rate.*; with the tasks finished since: /);
    // The same data without auto_rollback: the verdict is keep_a, and the test keeps running.
    const other = await getTest(unwatched);
    expect(other).toMatchObject({ status: "running", recommendation: "keep_a" });

    // `latest` would pick 1.1.0 (the highest release): the roll-back promoted a, so every later run gets it.
    const workflow = await workflowOf(agent.agentId);
    const later = await startRuns(workflow, 20);
    expect(new Set(later.map((r) => r.agents[agent.agentId]))).toEqual(new Set(["1.0.0"]));
    const tasks = await pollAll(agent);
    expect(tasks.every((t) => t.version === "1.0.0" && t.ab === undefined)).toBe(true);
  }, 300_000);
});
