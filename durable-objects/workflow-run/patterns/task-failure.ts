import type { ErrorInfo } from "../run-types";
import type { TaskRow } from "../task-store";

/** The run's error when one of its tasks failed or timed out: which task, whose, and the task's own error. */
export function taskFailure(task: TaskRow): ErrorInfo {
  const timedOut = task.status === "timed_out";
  return {
    code: timedOut ? "task_timed_out" : "task_failed",
    message: `${task.agent_id}'s task ${task.task_id} ${timedOut ? "timed out" : "failed"}${task.error ? `: ${task.error.message}` : ""}.`,
    task_id: task.task_id,
    agent_id: task.agent_id,
    task_error: task.error,
  };
}
