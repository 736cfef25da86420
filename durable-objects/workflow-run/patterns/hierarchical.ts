import type { HierarchicalPattern, Json } from "../../../src/workflows/definition/types";
import { type Answer, type Caller, type ErrorInfo, type TaskView, answer, isOpenTask, refuse } from "../run-types";
import type { BranchSummaries } from "../effects";
import type { TaskRow } from "../task-store";
import { taskView } from "../views";
import type { PatternLogic, RunContext, Settlement } from "./pattern";
import { taskFailure } from "./task-failure";

const JOIN = "join";

/**
 * Hierarchical: every worker starts at once with `{task, run_input}` (fan-out in one change, so all the
 * tasks are pollable together); the supervisor may delegate more while the run is open. The join comes
 * when every worker task has finished or `timeout_seconds` after the start, whichever is first: open
 * worker tasks are then ended as `timed_out`, and the supervisor gets one synthesis task with every
 * result (`supervisor-synthesis`), or the results are the output (`collect`). Workers' failures do not
 * fail the run; the synthesis decides.
 */
export class Hierarchical implements PatternLogic {
  constructor(
    private readonly pattern: HierarchicalPattern,
    readonly index: number,
  ) {}

  private workerTasks(run: RunContext): TaskRow[] {
    const workers = new Set(this.pattern.workers.map((w) => w.name));
    return run.tasks.all().filter((t) => t.patterns.includes(this.index) && (t.role === "worker" || t.role === "delegation") && workers.has(t.agent_id));
  }

  /** The latest attempt of each worker task: what the join reports. */
  private results(run: RunContext): TaskRow[] {
    const tasks = this.workerTasks(run);
    const superseded = new Set(tasks.map((t) => t.retry_of).filter((id): id is string => id !== null));
    return tasks.filter((t) => !superseded.has(t.task_id));
  }

  start(run: RunContext): void {
    const runInput = run.run().input;
    const branches = run.run().branches;
    for (const worker of this.pattern.workers) {
      const branchId = branches[worker.name];
      const input: Json = { task: worker.task, run_input: runInput, ...(branchId ? { branch_id: branchId } : {}) };
      run.startAgent(worker.name, input, this.index, "worker", { kind: "start" });
    }
    run.setTimer(`${JOIN}:${this.index}`, run.now + this.pattern.aggregation.timeout_seconds * 1000);
  }

  taskFinished(run: RunContext, task: TaskRow): ErrorInfo | undefined {
    if (task.role === "synthesis") return task.status === "succeeded" ? undefined : taskFailure(task);
    // Counted in SQL: with 100 workers, reading every task on each completion would cost the join O(n²).
    if (!this.joinDone(run) && run.tasks.openCountIn(this.index, ["worker", "delegation"]) === 0) this.join(run);
    return undefined;
  }

  timer(run: RunContext, name: string): void {
    if (name !== JOIN || this.joinDone(run)) return;
    for (const task of this.results(run).filter((t) => isOpenTask(t.status)))
      run.endOpenTask(task, "timed_out", {
        code: "join_timeout",
        message: `The join came ${this.pattern.aggregation.timeout_seconds} s after the start (aggregation.timeout_seconds) before this worker finished.`,
      });
    this.join(run);
  }

  private joinDone(run: RunContext): boolean {
    return run.marks.get(`joined:${this.index}`) !== null;
  }

  /** The join decides now; the synthesis follows at once, or once the workers' branches have been summarised. */
  private join(run: RunContext): void {
    run.clearTimer(`${JOIN}:${this.index}`);
    const results = this.results(run);
    // Why the join came when it did (every worker finished, or the timeout decided it): a dry run's findings read this.
    run.marks.set(`joined:${this.index}`, run.now, { decided_by: results.some((t) => t.error?.code === "join_timeout") ? "timeout" : "all_finished", workers: results.length });
    if (this.pattern.aggregation.strategy === "collect") return;
    const branches = run.run().branches;
    const used = Object.fromEntries(results.filter((t) => branches[t.agent_id]).map((t) => [t.agent_id, branches[t.agent_id] as string]));
    if (Object.keys(used).length > 0) run.effect({ type: "summarize_branches", pattern: this.index, branches: used });
    else this.synthesize(run, {});
  }

  /** The supervisor's synthesis task: every worker's result (with its branch's diff summary), each a dependency. */
  synthesize(run: RunContext, summaries: BranchSummaries): void {
    if (!run.running() || this.synthesisTask(run)) return;
    const results = this.results(run);
    const branches = run.run().branches;
    const summary: Json[] = results.map((t) => ({
      ...this.result(t),
      ...(branches[t.agent_id] ? { branch_id: branches[t.agent_id] as string, diff: (summaries[t.agent_id] ?? null) as Json } : {}),
    }));
    run.createTask(
      this.pattern.supervisor,
      { run_input: run.run().input, results: summary },
      this.index,
      "synthesis",
      { kind: "join", worker_task_ids: results.map((t) => t.task_id) },
      results.map((t) => ({ span_id: t.span_id, kind: "join" })),
    );
  }

  private result(t: TaskRow) {
    return { worker: t.agent_id, task_id: t.task_id, status: t.status, output: t.output, error: t.error };
  }

  private synthesisTask(run: RunContext): TaskRow | undefined {
    return run.tasks.ofAgent(this.pattern.supervisor).filter((t) => t.role === "synthesis" && t.patterns.includes(this.index)).at(-1);
  }

  settle(run: RunContext): Settlement {
    if (!this.joinDone(run)) return { status: "waiting" };
    if (this.pattern.aggregation.strategy === "collect") {
      const branches = run.run().branches;
      return { status: "succeeded", output: { results: this.results(run).map((t) => ({ ...this.result(t), ...(branches[t.agent_id] ? { branch_id: branches[t.agent_id] as string } : {}) })) } };
    }
    const synthesis = this.synthesisTask(run);
    // Still waiting for the branches' summaries (the effect that reads them gives the supervisor its task).
    if (!synthesis) return { status: "waiting" };
    return synthesis.status === "succeeded" ? { status: "succeeded", output: synthesis.output } : { status: "failed", error: taskFailure(synthesis) };
  }

  delegate(run: RunContext, caller: Caller, request: { worker: string; input: Json }): Answer<TaskView> | undefined {
    if (!caller.admin && caller.agent_id !== this.pattern.supervisor)
      return refuse("forbidden", `Only the supervisor (${this.pattern.supervisor}) delegates in this run; ${caller.agent_id} is not it.`, {
        action: "workflow:run",
        resource: `workflow:${run.run().workflow}`,
        reason: "only the supervisor delegates",
      });
    if (!this.pattern.workers.some((w) => w.name === request.worker))
      return refuse("invalid_request", `'${request.worker}' is not a worker of this run (workers: ${this.pattern.workers.map((w) => w.name).join(", ")}).`, [
        { path: "worker", message: "is not one of the run's workers" },
      ]);
    if (this.joinDone(run)) return refuse("conflict", "The join has already happened: no more work can be delegated in this run.");
    const spanId = run.newSpanId();
    run.spans.open({
      span_id: spanId,
      parent_span_id: run.run().span_id,
      kind: "delegation",
      name: `delegate ${this.pattern.supervisor} -> ${request.worker}`,
      agent_id: this.pattern.supervisor,
      version: run.run().agents[this.pattern.supervisor]?.version ?? null,
      started_at: run.now,
      ended_at: run.now,
      attributes: { worker: request.worker },
      links: [],
    });
    const task = run.createTask(request.worker, request.input, this.index, "delegation", { kind: "delegation", by: caller.agent_id }, [{ span_id: spanId, kind: "delegation" }]);
    if (!task) return refuse("conflict", "The run is no longer running.");
    run.audit("workflow:delegate", `workflow:${run.run().workflow}`, caller, { worker: request.worker, task_id: task.task_id });
    return answer(taskView(run.run(), task));
  }
}
