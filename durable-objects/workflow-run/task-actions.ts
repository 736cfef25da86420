import { schemaIssues } from "../../src/lib/json-schema";
import type { Json } from "../../src/workflows/definition/types";
import type { RunEngine } from "./engine";
import type { OutputIssue } from "./patterns/pattern";
import { writeKeys } from "./state-actions";
import { type Answer, type Caller, type Completion, type ErrorInfo, type TaskView, answer, isOpenTask, refuse } from "./run-types";
import type { TaskRow } from "./task-store";
import { taskView } from "./views";

// What agents do to their tasks: complete, heartbeat, and the hand-out their inbox reports. Each runs
// inside one engine change (see RunEngine.change).

/** Answered instead of acting when the caller is not the task's agent: the Worker asks the policies, then may insist. */
export interface NotOwner {
  not_owner: { agent_id: string; workflow: string };
}

/** The task an agent may act on: it exists, and it is the caller's (or the caller is an admin, or the policies said yes). */
function ownTask(engine: RunEngine, taskId: string, caller: Caller, ownerCleared: boolean): { task: TaskRow } | NotOwner | Answer<never> {
  const task = engine.exists() ? engine.tasks.get(taskId) : null;
  if (!task) return refuse("not_found", `Task '${taskId}' does not exist.`);
  if (!caller.admin && !ownerCleared && caller.agent_id !== task.agent_id) return { not_owner: { agent_id: task.agent_id, workflow: engine.run().workflow } };
  return { task };
}

const finishedRefusal = (task: TaskRow) =>
  refuse(
    "conflict",
    `Task '${task.task_id}' is already ${task.status}${task.error ? ` (${task.error.code})` : ""}; a finished task cannot be completed or extended.`,
    { status: task.status },
  );

/** `POST /v1/tasks/{task_id}/complete`. */
export function completeTask(engine: RunEngine, taskId: string, completion: Completion, caller: Caller, ownerCleared: boolean): Answer<TaskView> | NotOwner {
  const found = ownTask(engine, taskId, caller, ownerCleared);
  if (!("task" in found)) return found;
  const { task } = found;
  if (!isOpenTask(task.status)) return finishedRefusal(task);
  const run = engine.run();
  const succeeded = (completion.status ?? "succeeded") === "succeeded";
  const output: Json = completion.output ?? null;
  if (succeeded) {
    const issues = outputIssues(engine, task, output);
    if (issues.length > 0)
      return refuse("invalid_request", `The output of ${task.agent_id}@${task.version} does not match ${issues[0]!.against}: ${issues[0]!.path || "(output)"} ${issues[0]!.message}. The task stays open; complete it again with a corrected output.`, {
        issues: issues.map((i) => ({ path: `output${i.path.replaceAll("/", ".")}`, message: i.message, against: i.against, ...(i.edge ? { edge: i.edge } : {}) })),
      });
  }
  // Shared-state writes land with the completion or not at all (a refusal rolls the whole change back).
  if (completion.state && Object.keys(completion.state).length > 0)
    writeKeys(engine, { ...caller, agent_id: task.agent_id }, Object.fromEntries(Object.entries(completion.state).map(([k, value]) => [k, { value }])), task.task_id);
  const error: ErrorInfo | null = succeeded
    ? null
    : {
        ...completion.error,
        code: completion.error?.code ?? "task_failed",
        message: completion.error?.message ?? `${task.agent_id} reported the task failed.`,
      } as ErrorInfo;
  engine.tasks.finish(task.task_id, succeeded ? "succeeded" : "failed", { output: succeeded ? output : null, error, usage: completion.usage ?? null, atMs: engine.now });
  if (task.started_at === null) engine.tasks.markStartedAt(task.task_id, task.created_at);
  engine.spans.close(task.span_id, succeeded ? "ok" : "failed", engine.now, completion.usage ? { "gen_ai.usage.input_tokens": completion.usage.tokens_in, "gen_ai.usage.output_tokens": completion.usage.tokens_out } : undefined);
  engine.markTaskChanged(task.task_id);
  engine.audit("task:complete", `task:${task.task_id}`, caller, { status: succeeded ? "succeeded" : "failed", agent_id: task.agent_id, workflow: run.workflow });
  engine.taskFinished(task);
  return answer(taskView(engine.run(), engine.tasks.get(task.task_id) as TaskRow));
}

/** The version's `output_schema`, then whatever the task's patterns check (message-passing: each outgoing edge's schema). */
function outputIssues(engine: RunEngine, task: TaskRow, output: Json): OutputIssue[] {
  const schema = engine.run().agents[task.agent_id]?.output_schema;
  if (schema !== null && schema !== undefined) {
    const issues = schemaIssues(schema, output);
    if (issues.length > 0) return issues.map((i) => ({ ...i, against: `the output_schema of ${task.agent_id}@${task.version}` }));
  }
  for (const index of task.patterns) {
    const issues = engine.patterns()[index]?.checkOutput?.(engine, task, output) ?? [];
    if (issues.length > 0) return issues;
  }
  return [];
}

/** `POST /v1/tasks/{task_id}/heartbeat`: the deadline moves to now + the task timeout. */
export function heartbeatTask(engine: RunEngine, taskId: string, caller: Caller, ownerCleared: boolean): Answer<TaskView> | NotOwner {
  const found = ownTask(engine, taskId, caller, ownerCleared);
  if (!("task" in found)) return found;
  const { task } = found;
  if (!isOpenTask(task.status)) return finishedRefusal(task);
  const timeout = engine.run().definition.defaults.task_timeout_seconds;
  engine.tasks.extendDeadline(task.task_id, engine.now + timeout * 1000);
  engine.tasks.markStarted(task.task_id, engine.now);
  engine.markTaskChanged(task.task_id);
  return answer(taskView(engine.run(), engine.tasks.get(task.task_id) as TaskRow));
}

/**
 * The agent's inbox handed these tasks out: they are `running` from then. The registry row follows with
 * the task's next change (its completion), not now: a hand-out is the most frequent event of a run, and
 * writing D1 for each would cost every poll a write.
 */
export function tasksHandedOut(engine: RunEngine, taskIds: readonly string[], atMs: number): void {
  for (const taskId of taskIds) engine.tasks.markStarted(taskId, atMs);
}

/** `POST /v1/tasks/{task_id}/feedback`: a thumbs up or down on a finished task (the A/B `quality_score`). */
export function giveFeedback(engine: RunEngine, taskId: string, feedback: { rating: "up" | "down"; comment?: string }, caller: Caller): Answer<TaskView> {
  const task = engine.exists() ? engine.tasks.get(taskId) : null;
  if (!task) return refuse("not_found", `Task '${taskId}' does not exist.`);
  engine.tasks.setFeedback(taskId, { rating: feedback.rating, comment: feedback.comment ?? null, at: engine.now });
  engine.markTaskChanged(taskId);
  engine.audit("task:feedback", `task:${taskId}`, caller, { rating: feedback.rating });
  return answer(taskView(engine.run(), engine.tasks.get(taskId) as TaskRow));
}
