import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { admin, definition, pollTasks, rawRunStub, runInit, runStub, uniqueName } from "./run-fixtures";

const caller = (agent_id: string) => ({ agent_id, admin: false });

afterEach(() => {
  vi.useRealTimers();
});

describe("message-passing runs", () => {
  it("passes each output along the flow as the next agent's task input, and ends with the sink's output", async () => {
    const [a, b, c] = [uniqueName("collector"), uniqueName("enricher"), uniqueName("reporter")];
    const init = runInit(definition([{ pattern: "message-passing", flow: [
      { from: a, to: b, message: { schema: null } },
      { from: b, to: c, message: { schema: null } },
    ] }]), { input: { source: "crm" } });
    const run = runStub(init.run_id);
    const started = await run.start(init);
    expect(started.status).toBe("running");
    expect(started.agents).toEqual({ [a]: "1.0.0", [b]: "1.0.0", [c]: "1.0.0" });

    const [first] = await pollTasks(a);
    expect(first).toMatchObject({ kind: "task", run_id: init.run_id, agent_id: a, input: { source: "crm" }, attempt: 1 });
    expect(await pollTasks(b)).toEqual([]);

    expect(await run.complete(first!.task_id, { output: { records: [1, 2] } }, caller(a))).toMatchObject({ ok: true, value: { status: "succeeded" } });
    const [second] = await pollTasks(b);
    expect(second!.input).toEqual({ records: [1, 2] });
    await run.complete(second!.task_id, { output: { enriched: 2 } }, caller(b));
    const [third] = await pollTasks(c);
    await run.complete(third!.task_id, { output: { report: "done" } }, caller(c));

    const view = await run.view();
    expect(view).toMatchObject({ status: "succeeded", output: { [c]: { report: "done" } } });
    expect(view!.tasks.map((t) => t.agent_id)).toEqual([a, b, c]);
    // The registry mirrors the run for lists and SQL.
    const row = await env.DB.prepare("SELECT status FROM _runs WHERE run_id = ?").bind(init.run_id).first<{ status: string }>();
    expect(row?.status).toBe("succeeded");
    const tasks = await env.DB.prepare("SELECT COUNT(*) AS n FROM _tasks WHERE run_id = ? AND status = 'succeeded'").bind(init.run_id).first<{ n: number }>();
    expect(tasks?.n).toBe(3);
  });

  it("refuses an output off its edge's schema and keeps the task open for a corrected one", async () => {
    const [a, b] = [uniqueName("collector"), uniqueName("enricher")];
    const schemas = { raw_records: { type: "object", required: ["records"], properties: { records: { type: "array" } } } };
    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: "raw_records" } }] }], { schemas }));
    const run = runStub(init.run_id);
    await run.start(init);
    const [task] = await pollTasks(a);
    const refused = await run.complete(task!.task_id, { output: { rows: [] } }, caller(a));
    expect(refused).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(JSON.stringify(refused)).toContain("raw_records");
    expect((await run.task(task!.task_id))!.status).toBe("running");
    expect(await pollTasks(b)).toEqual([]);
    expect(await run.complete(task!.task_id, { output: { records: [] } }, caller(a))).toMatchObject({ ok: true });
    expect(await pollTasks(b)).toHaveLength(1);
  });

  it("answers not_owner to another agent's completion, and 409 to a second completion", async () => {
    const [a, b] = [uniqueName("a"), uniqueName("b")];
    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: null } }] }]));
    const run = runStub(init.run_id);
    await run.start(init);
    const [task] = await pollTasks(a);
    expect(await run.complete(task!.task_id, { output: 1 }, caller(b))).toEqual({ not_owner: { agent_id: a, workflow: init.workflow } });
    expect(await run.complete(task!.task_id, { output: 1 }, caller(a))).toMatchObject({ ok: true });
    expect(await run.complete(task!.task_id, { output: 2 }, caller(a))).toMatchObject({ ok: false, error: { code: "conflict" } });
  });

  it("fails the run when a cycle reaches max_tasks_per_run", async () => {
    const [brief, writer, reviewer] = [uniqueName("brief"), uniqueName("writer"), uniqueName("reviewer")];
    const init = runInit(
      definition([{ pattern: "message-passing", flow: [
        { from: brief, to: writer, message: { schema: "draft" } },
        { from: writer, to: reviewer, message: { schema: "draft" } },
        { from: reviewer, to: writer, message: { schema: "draft" } },
      ] }]),
      { limits: { max_tasks_per_run: 4 } },
    );
    // A review loop that never approves: brief, then writer and reviewer forever.
    const run = runStub(init.run_id);
    await run.start(init);
    for (let i = 0; i < 4; i++) {
      for (const agent of [brief, writer, reviewer]) for (const task of await pollTasks(agent)) await run.complete(task.task_id, { output: { round: i } }, caller(agent));
    }
    const view = await run.view();
    expect(view).toMatchObject({ status: "failed", error: { code: "max_tasks_per_run" } });
    expect(view!.tasks).toHaveLength(4);
  });
});

describe("hierarchical runs", () => {
  const setup = (timeout = 300, strategy: "supervisor-synthesis" | "collect" = "supervisor-synthesis") => {
    const [sup, w1, w2, w3] = [uniqueName("exec"), uniqueName("sales"), uniqueName("marketing"), uniqueName("ops")];
    const init = runInit(definition([{
      pattern: "hierarchical",
      supervisor: sup,
      workers: [
        { name: w1, task: "Analyze Q3 sales performance", branch: false },
        { name: w2, task: "Analyze Q3 campaign effectiveness", branch: false },
        { name: w3, task: "Analyze Q3 operational efficiency", branch: false },
      ],
      aggregation: { strategy, timeout_seconds: timeout },
    }]));
    return { init, sup, workers: [w1, w2, w3] as const, run: runStub(init.run_id) };
  };

  it("fans out to every worker at once and gives the supervisor every result to synthesise", async () => {
    const { init, sup, workers, run } = setup();
    await run.start(init);
    const tasks = await Promise.all(workers.map((w) => pollTasks(w)));
    expect(tasks.map((t) => t.length)).toEqual([1, 1, 1]);
    expect(tasks[0]![0]!.input).toEqual({ task: "Analyze Q3 sales performance", run_input: { quarter: "Q3" } });
    for (const [i, w] of workers.entries()) await run.complete(tasks[i]![0]!.task_id, { output: { finding: w } }, caller(w));
    const [synthesis] = await pollTasks(sup);
    expect(synthesis!.input).toMatchObject({ run_input: { quarter: "Q3" }, results: workers.map((w) => ({ worker: w, status: "succeeded", output: { finding: w } })) });
    await run.complete(synthesis!.task_id, { output: { summary: "all good" } }, caller(sup));
    expect(await run.view()).toMatchObject({ status: "succeeded", output: { summary: "all good" } });
  });

  it("joins at timeout_seconds: the slow worker is timed_out, the synthesis gets two results and one timed_out, a late completion is 409", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { init, sup, workers, run } = setup(300);
    await run.start(init);
    const tasks = (await Promise.all(workers.map((w) => pollTasks(w)))).map((t) => t[0]!);
    await run.complete(tasks[0]!.task_id, { output: "sales ok" }, caller(workers[0]));
    await run.complete(tasks[1]!.task_id, { output: "marketing ok" }, caller(workers[1]));
    vi.advanceTimersByTime(301_000);
    await runDurableObjectAlarm(rawRunStub(init.run_id));
    const [synthesis] = await pollTasks(sup);
    const results = (synthesis!.input as { results: { status: string; worker: string }[] }).results;
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded", "timed_out"]);
    expect(await run.complete(tasks[2]!.task_id, { output: "too late" }, caller(workers[2]))).toMatchObject({ ok: false, error: { code: "conflict" } });
    await run.complete(synthesis!.task_id, { output: "two of three" }, caller(sup));
    expect((await run.view())!.status).toBe("succeeded");
  });

  it("lets only the supervisor delegate, and only to its workers", async () => {
    const { init, sup, workers, run } = setup(300, "collect");
    await run.start(init);
    expect(await run.delegate(caller(workers[0]), { worker: workers[1], input: 1 })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await run.delegate(caller(sup), { worker: "nobody", input: 1 })).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const delegated = await run.delegate(caller(sup), { worker: workers[1], input: { extra: true } });
    expect(delegated).toMatchObject({ ok: true, value: { agent_id: workers[1], input: { extra: true } } });
    for (const w of workers) for (const t of await pollTasks(w)) await run.complete(t.task_id, { output: w }, caller(w));
    const view = await run.view();
    expect(view!.status).toBe("succeeded");
    expect((view!.output as { results: unknown[] }).results).toHaveLength(4);
  });
});

describe("deadlines and restarts", () => {
  it("retries a task past its deadline as a new attempt, then times it out and fails the run", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [a, b] = [uniqueName("slow"), uniqueName("next")];
    const def = definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: null } }] }]);
    def.defaults = { task_timeout_seconds: 60, retries: 1 };
    const init = runInit(def);
    const run = runStub(init.run_id);
    await run.start(init);
    const [first] = await pollTasks(a);
    vi.advanceTimersByTime(61_000);
    await runDurableObjectAlarm(rawRunStub(init.run_id));
    const [second] = await pollTasks(a);
    expect(second).toMatchObject({ attempt: 2 });
    expect(second!.task_id).not.toBe(first!.task_id);
    expect((await run.task(first!.task_id))!.status).toBe("timed_out");
    vi.advanceTimersByTime(61_000);
    await runDurableObjectAlarm(rawRunStub(init.run_id));
    expect(await run.view()).toMatchObject({ status: "failed", error: { code: "task_timed_out" } });
  });

  it("pushes the deadline back on a heartbeat", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [a, b] = [uniqueName("hb"), uniqueName("next")];
    const def = definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: null } }] }]);
    def.defaults = { task_timeout_seconds: 60, retries: 0 };
    const init = runInit(def);
    const run = runStub(init.run_id);
    await run.start(init);
    const [task] = await pollTasks(a);
    vi.advanceTimersByTime(50_000);
    await run.heartbeat(task!.task_id, caller(a));
    vi.advanceTimersByTime(50_000);
    await runDurableObjectAlarm(rawRunStub(init.run_id));
    expect((await run.task(task!.task_id))!.status).toBe("running");
  });

  it("loses nothing when the object restarts in the middle of a run", async () => {
    const [a, b] = [uniqueName("before"), uniqueName("after")];
    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: null } }] }]));
    const run = runStub(init.run_id);
    await run.start(init);
    const [task] = await pollTasks(a);
    await evictDurableObject(rawRunStub(init.run_id));
    await run.complete(task!.task_id, { output: "x" }, caller(a));
    await evictDurableObject(rawRunStub(init.run_id));
    const [next] = await pollTasks(b);
    await runStub(init.run_id).complete(next!.task_id, { output: "y" }, caller(b));
    expect(await runStub(init.run_id).view()).toMatchObject({ status: "succeeded", output: { [b]: "y" } });
  });

  it("cancels a run: open tasks are cancelled and taken back from the inbox", async () => {
    const [a, b] = [uniqueName("c1"), uniqueName("c2")];
    const init = runInit(definition([{ pattern: "message-passing", flow: [{ from: a, to: b, message: { schema: null } }] }]));
    const run = runStub(init.run_id);
    await run.start(init);
    expect(await run.cancel(admin, "changed my mind")).toMatchObject({ ok: true, value: { status: "cancelled" } });
    expect(await pollTasks(a)).toEqual([]);
    expect((await run.view())!.tasks[0]!.status).toBe("cancelled");
  });
});
