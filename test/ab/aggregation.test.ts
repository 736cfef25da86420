import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { momentsOf } from "../../src/ab/moments";
import type { RecordEffect, TaskRecord } from "../../durable-objects/workflow-run/effects";
import { writeRecords } from "../../durable-objects/workflow-run/effect-runner";
import { startedTest, testBody, testedAgent } from "./ab-helpers";

// The arms' aggregates as the run's record effect keeps them: exactly once per task however often the
// effect is retried, whatever order its records arrive in, and without losing updates when runs race.

interface ArmRow {
  assigned: number;
  samples: number;
  successes: number;
  duration_count: number;
  duration_mean: number;
  duration_m2: number;
  tokens_count: number;
  tokens_mean: number;
  tokens_m2: number;
  rated: number;
  up: number;
}

const armRow = async (testId: string, arm: "a" | "b") =>
  (await env.DB.prepare("SELECT * FROM _ab_test_arms WHERE ab_test_id = ? AND arm = ?").bind(testId, arm).first<ArmRow>()) as ArmRow;

let seq = 0;
const T0 = Date.parse("2026-11-21T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A task's registry record, as the run writes it. */
function record(testId: string, arm: "a" | "b", fields: Partial<TaskRecord> = {}): TaskRecord {
  seq++;
  return {
    task_id: `tsk_agg${seq.toString().padStart(27, "0")}`,
    run_id: "run_aggregation",
    workflow: "aggregation",
    agent_id: "aggregated",
    version: arm === "a" ? "1.0.0" : "1.1.0",
    status: "running",
    attempt: 1,
    created_at: at(0),
    started_at: at(0),
    completed_at: null,
    deadline: at(300_000),
    error_code: null,
    tokens_in: null,
    tokens_out: null,
    ab_test_id: testId,
    ab_arm: arm,
    rating: null,
    rev: 1,
    ...fields,
  };
}

const effect = (...tasks: TaskRecord[]): RecordEffect => ({ type: "record", tasks, audit: [] });
const write = (...tasks: TaskRecord[]) => writeRecords(env.DB, [effect(...tasks)]);

async function newTest(): Promise<string> {
  const agent = await testedAgent("abagg");
  return startedTest(testBody(agent.agentId));
}

describe("arm aggregates from task records", () => {
  it("counts a finished task once, with its duration and tokens, however often the record is written", async () => {
    const id = await newTest();
    const open = record(id, "a");
    await write(open);
    expect((await armRow(id, "a")).samples).toBe(0);
    const done = { ...open, status: "succeeded" as const, completed_at: at(1500), tokens_in: 100, tokens_out: 20, rev: 3 };
    await write(done);
    await write(done); // the outbox retries an effect until it succeeds
    await writeRecords(env.DB, [effect(done), effect({ ...done, rev: 2, status: "running", completed_at: null })]);
    await write({ ...open, rev: 2 }); // a late retry of an older record changes nothing either
    expect(await armRow(id, "a")).toMatchObject({ samples: 1, successes: 1, duration_count: 1, duration_mean: 1500, duration_m2: 0, tokens_count: 1, tokens_mean: 120 });
    expect((await armRow(id, "b")).samples).toBe(0);
    const row = await env.DB.prepare("SELECT status, rev FROM _tasks WHERE task_id = ?").bind(open.task_id).first();
    expect(row).toEqual({ status: "succeeded", rev: 3 });
  });

  it("counts a failure as a sample without a success, a timeout as a failure without a duration, a cancellation not at all", async () => {
    const id = await newTest();
    await write(record(id, "b", { status: "failed", completed_at: at(800), error_code: "task_failed", tokens_in: 5, tokens_out: 5, rev: 2 }));
    await write(record(id, "b", { status: "timed_out", completed_at: at(300_000), error_code: "deadline_exceeded", rev: 2 }));
    await write(record(id, "b", { status: "cancelled", completed_at: at(10), error_code: "run_ended", rev: 2 }));
    await write(record(id, "b", { status: "succeeded", completed_at: at(1200), rev: 2 })); // no usage reported: no token value
    expect(await armRow(id, "b")).toMatchObject({ samples: 3, successes: 1, duration_count: 2, duration_mean: 1000, tokens_count: 1, tokens_mean: 10 });
    // A task with no A/B arm changes no arm.
    await write({ ...record(id, "a", { status: "succeeded", completed_at: at(5), rev: 2 }), ab_test_id: null, ab_arm: null });
    expect((await armRow(id, "a")).samples).toBe(0);
  });

  it("counts a first rating, moves `up` when it changes, and ignores a stale retry of an older rating", async () => {
    const id = await newTest();
    const task = record(id, "a", { status: "succeeded", completed_at: at(100), rev: 3 });
    await write(task);
    await write({ ...task, rating: "up", rev: 4 });
    expect(await armRow(id, "a")).toMatchObject({ rated: 1, up: 1, samples: 1 });
    await write({ ...task, rating: "down", rev: 5 });
    expect(await armRow(id, "a")).toMatchObject({ rated: 1, up: 0 });
    await write({ ...task, rating: "up", rev: 4 }); // the outbox retries the older record after the newer one
    await write({ ...task, rating: "down", rev: 5 });
    expect(await armRow(id, "a")).toMatchObject({ rated: 1, up: 0, samples: 1 });
    await write({ ...task, rating: "up", rev: 6 });
    expect(await armRow(id, "a")).toMatchObject({ rated: 1, up: 1 });
    // Rated and finished in the very first record the registry sees.
    await write(record(id, "a", { status: "succeeded", completed_at: at(100), rating: "down", rev: 4 }));
    expect(await armRow(id, "a")).toMatchObject({ rated: 2, up: 1, samples: 2 });
  });

  it("loses no update when 50 runs' completions race on one arm, and matches Welford in TypeScript", async () => {
    const id = await newTest();
    const durations = Array.from({ length: 50 }, (_, i) => 200 + ((i * 7919) % 1000));
    const tokens = Array.from({ length: 50 }, (_, i) => 50 + ((i * 31) % 97));
    await Promise.all(
      durations.map((d, i) => write(record(id, "b", { status: i % 5 === 0 ? "failed" : "succeeded", completed_at: at(d), tokens_in: tokens[i]! - 10, tokens_out: 10, rev: 2 }))),
    );
    const row = await armRow(id, "b");
    const expectedDurations = momentsOf(durations);
    const expectedTokens = momentsOf(tokens);
    expect(row).toMatchObject({ samples: 50, successes: 40, duration_count: 50, tokens_count: 50 });
    expect(row.duration_mean).toBeCloseTo(expectedDurations.mean, 9);
    expect(row.duration_m2 / expectedDurations.m2).toBeCloseTo(1, 12);
    expect(row.tokens_mean).toBeCloseTo(expectedTokens.mean, 9);
    expect(row.tokens_m2 / expectedTokens.m2).toBeCloseTo(1, 12);
  });
});
