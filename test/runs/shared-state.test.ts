import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConflictPolicy, SharedStatePattern } from "../../src/workflows/definition/types";
import { definition, pollTasks, runInit, runStub, uniqueName } from "./run-fixtures";

const caller = (agent_id: string) => ({ agent_id, admin: false });

afterEach(() => {
  vi.useRealTimers();
});

/** The seed's revenue / cost / profitability example, with this test's own agent names. */
function seedExample(policy: ConflictPolicy = "last-write-wins", keys: SharedStatePattern["state_store"]["keys"] = {}) {
  const [revenue, cost, summary] = [uniqueName("revenue-analyzer"), uniqueName("cost-analyzer"), uniqueName("profitability-summarizer")];
  const pattern: SharedStatePattern = {
    pattern: "shared-state",
    state_store: { type: "key-value", conflict_resolution: policy, keys },
    agents: [
      { name: revenue, reads: [], writes: ["revenue_by_region", "revenue_trends"] },
      { name: cost, reads: [], writes: ["cost_by_region", "cost_trends"] },
      { name: summary, reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends"], writes: ["profitability_report"] },
    ],
  };
  const init = runInit(definition([pattern]));
  return { init, revenue, cost, summary, run: runStub(init.run_id) };
}

describe("shared-state runs", () => {
  it("runs the two analysers in parallel and the summariser only once all four keys are written", async () => {
    const { init, revenue, cost, summary, run } = seedExample();
    await run.start(init);
    const [r] = await pollTasks(revenue);
    const [c] = await pollTasks(cost);
    expect(r && c).toBeTruthy();
    expect(await pollTasks(summary)).toEqual([]);
    await run.complete(r!.task_id, { output: "revenue done", state: { revenue_by_region: { emea: 10 }, revenue_trends: "up" } }, caller(revenue));
    expect(await pollTasks(summary)).toEqual([]);
    await run.complete(c!.task_id, { output: "cost done", state: { cost_by_region: { emea: 4 }, cost_trends: "flat" } }, caller(cost));
    const [s] = await pollTasks(summary);
    expect(s!.input).toEqual({
      run_input: { quarter: "Q3" },
      state: { revenue_by_region: { emea: 10 }, cost_by_region: { emea: 4 }, revenue_trends: "up", cost_trends: "flat" },
    });
    await run.complete(s!.task_id, { output: "ok", state: { profitability_report: { emea: 6 } } }, caller(summary));
    const view = await run.view();
    expect(view!.status).toBe("succeeded");
    expect(view!.output).toEqual({ revenue_by_region: { emea: 10 }, revenue_trends: "up", cost_by_region: { emea: 4 }, cost_trends: "flat", profitability_report: { emea: 6 } });
  });

  it("refuses an undeclared write with 403, and a completion carrying one writes nothing and stays open", async () => {
    const { init, revenue, run } = seedExample();
    await run.start(init);
    expect(await run.putState(caller(revenue), "cost_trends", "forged")).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const [r] = await pollTasks(revenue);
    const refused = await run.complete(r!.task_id, { output: 1, state: { revenue_trends: "up", profitability_report: "forged" } }, caller(revenue));
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await run.stateAt({ agent_id: "admin", admin: true })).toEqual({ ok: true, value: {} });
    expect((await run.task(r!.task_id))!.status).toBe("running");
  });

  it("fails as stalled, naming the waiting agent and its missing key, when a writer finishes without writing it", async () => {
    const { init, revenue, cost, summary, run } = seedExample();
    await run.start(init);
    const [r] = await pollTasks(revenue);
    const [c] = await pollTasks(cost);
    await run.complete(r!.task_id, { output: 1, state: { revenue_by_region: 1, revenue_trends: 1 } }, caller(revenue));
    await run.complete(c!.task_id, { output: 1, state: { cost_by_region: 1 } }, caller(cost));
    const view = await run.view();
    expect(view).toMatchObject({ status: "failed", error: { code: "stalled", waiting: [{ agent: summary, missing_keys: ["cost_trends"] }] } });
  });

  it("answers the state as it was between two writes (?at=)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { init, revenue, run } = seedExample();
    await run.start(init);
    await run.putState(caller(revenue), "revenue_trends", "v1");
    vi.advanceTimersByTime(1000);
    const between = Date.now();
    vi.advanceTimersByTime(1000);
    await run.putState(caller(revenue), "revenue_trends", "v2");
    const admin = { agent_id: "admin", admin: true };
    expect(await run.stateAt(admin, between)).toMatchObject({ ok: true, value: { revenue_trends: { value: "v1", version: 1 } } });
    expect(await run.stateAt(admin)).toMatchObject({ ok: true, value: { revenue_trends: { value: "v2", version: 2 } } });
    expect(await run.stateHistory(admin, "revenue_trends")).toMatchObject({ ok: true, value: [{ value: "v1" }, { value: "v2" }] });
  });

  describe("conflict policies under 20 concurrent writers", () => {
    const race = async (policy: ConflictPolicy, write: (i: number) => { value: unknown; expected?: number }) => {
      const { init, revenue, run } = seedExample(policy);
      await run.start(init);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => {
        const w = write(i);
        return run.putState(caller(revenue), "revenue_trends", w.value as never, w.expected);
      }));
      const snapshot = await run.stateAt({ agent_id: "admin", admin: true });
      const state = snapshot.ok ? (snapshot.value as unknown as { revenue_trends: { value: unknown; version: number } }) : null;
      return { ok: answers.filter((a) => a.ok).length, conflicts: answers.filter((a) => !a.ok && a.error.code === "conflict").length, state };
    };

    it("first-write-wins: exactly one succeeds and its value stays", async () => {
      const result = await race("first-write-wins", (i) => ({ value: i }));
      expect(result).toMatchObject({ ok: 1, conflicts: 19 });
    });

    it("version-check: exactly one write per version", async () => {
      const result = await race("version-check", (i) => ({ value: i, expected: 0 }));
      expect(result).toMatchObject({ ok: 1, conflicts: 19 });
    });

    it("append: all 20 values present, none twice", async () => {
      const result = await race("append", (i) => ({ value: i }));
      expect(result.ok).toBe(20);
      const value = result.state!.revenue_trends.value as number[];
      expect([...value].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it("merge: objects deep-merged, every writer's field present", async () => {
      const result = await race("merge", (i) => ({ value: { [`region_${i}`]: { total: i } } }));
      const value = result.state!.revenue_trends.value as Record<string, unknown>;
      expect(Object.keys(value)).toHaveLength(20);
    });

    it("last-write-wins: every write applies; the version counts them", async () => {
      const result = await race("last-write-wins", (i) => ({ value: i }));
      expect(result.ok).toBe(20);
      expect(result.state!.revenue_trends.version).toBe(20);
    });

    it("a per-key override beats the store's policy", async () => {
      const { init, revenue, run } = seedExample("last-write-wins", { revenue_trends: { conflict_resolution: "first-write-wins" } });
      await run.start(init);
      expect(await run.putState(caller(revenue), "revenue_trends", 1)).toMatchObject({ ok: true });
      expect(await run.putState(caller(revenue), "revenue_trends", 2)).toMatchObject({ ok: false, error: { code: "conflict" } });
      expect(await run.putState(caller(revenue), "revenue_by_region", 1)).toMatchObject({ ok: true });
      expect(await run.putState(caller(revenue), "revenue_by_region", 2)).toMatchObject({ ok: true });
    });
  });
});
