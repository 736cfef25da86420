import { type Enforcement, type GuardContext, type GuardFinding, enforce, limitFinding, refusalDetails, refusalMessage } from "../../src/guard-rails/enforce";
import { type ViolationRecord, violationRecord } from "../../src/guard-rails/violations";
import type { Json } from "../../src/workflows/definition/types";
import type { RunEngine } from "./engine";
import type { RunRow } from "./run-record";
import { type Caller, type ErrorInfo, type Refusal, type TaskView, type Usage, isOpenTask, refuse, runGuardRails } from "./run-types";
import type { TaskRow } from "./task-store";

// The guard rails inside a run. The run object is the one writer of everything in its run, so it applies
// the merged rules it was started with (RunInit.limits) to every value written into it: task inputs as
// they are created, outputs and state at completion, messages, delegations and state writes as they come.
// A write a rule refuses fails the writer's open task in the run (and so, like every failed task, the
// run, except for hierarchical workers); redactions are stored as redacted. Every finding is recorded with
// the change that met it (violation rows and audit rows, written with the run's registry records).

/** Who wrote a value into the run, and as what action. */
export interface RunWrite {
  agent_id: string;
  action: string;
  task_id?: string | null;
  request_id?: string | null;
}

/** The findings of one change, kept until its records are flushed (violation rows, audit, platform events). */
export class ViolationLog {
  #records: ViolationRecord[] = [];

  add(run: RunRow | null, write: RunWrite, findings: readonly GuardFinding[], at: string): void {
    this.#records.push(
      violationRecord(
        { agent_id: write.agent_id, action: write.action, resource: `workflow:${run?.workflow ?? "-"}`, run_id: run?.run_id ?? null, task_id: write.task_id ?? null, request_id: write.request_id ?? null },
        findings,
        at,
      ),
    );
  }

  get size(): number {
    return this.#records.length;
  }

  /** The records so far, emptying the log (also how a failed change drops its own). */
  take(): ViolationRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }
}

/** Applies the run's rules to one value written into it; findings are recorded with the current change. */
export function guardValue<T extends Json>(engine: RunEngine, value: T, context: GuardContext, write: RunWrite): Enforcement<T> {
  const rules = runGuardRails(engine.run().limits);
  const result = enforce(value, rules, context);
  if (result.findings.length > 0) engine.recordViolation(write, result.findings);
  return result;
}

/**
 * Every task input passes the run's guard rails as the task is created, whatever made it (the run's input,
 * a message, a delegation, a join, the state): the entry points refuse what they can with a 422 first, so
 * what is refused here was composed by the run itself (a synthesis over max_message_bytes), and fails the
 * run. Returns the input to store, or undefined when the run failed.
 */
export function guardTaskInput(engine: RunEngine, agent: string, input: Json): Json | undefined {
  const guarded = guardValue(engine, input, { at: "input", message: true }, { agent_id: agent, action: "task:input" });
  if (guarded.ok) return guarded.value;
  engine.failRun({ ...guardRailError(guarded.refusal, `The input of ${agent}'s next task`), agent_id: agent });
  return undefined;
}

/** The task's error when a guard rail ended it: the rule, where, the kind or the limit; never the PII. */
export function guardRailError(finding: GuardFinding, what: string): ErrorInfo {
  return { code: "guard_rail", message: refusalMessage(finding, what), ...refusalDetails(finding) };
}

/** Fails an open task because of a guard rail, and lets its patterns react (the run may end). */
export function failTaskByGuardRail(engine: RunEngine, task: TaskRow, error: ErrorInfo, usage: Usage | null = null): void {
  if (!isOpenTask(task.status)) return;
  engine.tasks.finish(task.task_id, "failed", { output: null, error, usage, atMs: engine.now });
  if (task.started_at === null) engine.tasks.markStartedAt(task.task_id, task.created_at);
  engine.spans.close(task.span_id, "failed", engine.now, { error_code: "guard_rail", "switchyard.guard_rail.rule": String(error.rule ?? "") });
  engine.markTaskChanged(task.task_id);
  // A task that never reached its agent (failed by its sender's message, say) is taken back from the inbox.
  if (task.status === "pending") engine.effect({ type: "retract_task", agent_id: task.agent_id, task_id: task.task_id });
  engine.taskFinished(task);
}

/** The writer's task in this run that a refused write fails: the given one, else its latest open task (admins have none). */
function writersTask(engine: RunEngine, writer: Caller, task: TaskRow | null | undefined): TaskRow | null {
  if (task) return task;
  if (writer.admin) return null;
  return engine.tasks.ofAgent(writer.agent_id).filter((t) => isOpenTask(t.status)).at(-1) ?? null;
}

/**
 * A write into the run that a guard rail refused: the writer's open task fails with `guard_rail`, and the
 * caller is answered 422 `guard_rail` (the refusal is answered, not thrown, so the task's failure commits).
 */
export function refuseByGuardRail(engine: RunEngine, finding: GuardFinding, what: string, writer: Caller, task?: TaskRow | null, usage?: Usage): Refusal {
  const failed = writersTask(engine, writer, task);
  const error = guardRailError(finding, what);
  if (failed) failTaskByGuardRail(engine, failed, error, usage ?? null);
  const after = failed ? engine.tasks.get(failed.task_id) : null;
  return refuse("guard_rail", failed ? `${error.message} Task '${failed.task_id}' failed (guard_rail).` : error.message, {
    ...refusalDetails(finding),
    task_id: after?.task_id ?? null,
    task_status: (after?.status ?? null) as TaskView["status"] | null,
  });
}

/** `max_tokens_per_task`: the finding for a completion whose usage is over it, if it is. */
export function tokensOverLimit(engine: RunEngine, usage: { tokens_in: number; tokens_out: number } | undefined): GuardFinding | null {
  const limit = engine.run().limits.max_tokens_per_task;
  if (limit === null || usage === undefined) return null;
  const tokens = usage.tokens_in + usage.tokens_out;
  return tokens > limit ? { ...limitFinding("max_tokens_per_task", "usage", limit), tokens } : null;
}
