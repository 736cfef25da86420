import type { InboxItem } from "./inbox-types";

/**
 * Tells each run whose tasks were just handed out when that happened: a task is `running` from its first
 * hand-out, and its duration (an A/B metric, a bottleneck figure) counts from then. Not awaited: the poll
 * answers at once, and a report that fails only leaves the task's `started_at` at its creation time.
 */
export function reportTaskHandOuts(env: Env, items: readonly InboxItem[], atMs: number): void {
  const byRun = new Map<string, string[]>();
  for (const item of items) {
    if (item.kind !== "task") continue;
    const tasks = byRun.get(item.run_id) ?? [];
    tasks.push(item.task_id);
    byRun.set(item.run_id, tasks);
  }
  for (const [runId, taskIds] of byRun) {
    env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(runId))
      .tasksHandedOut(taskIds, atMs)
      .catch((error: unknown) => console.warn(`run ${runId}: could not record the hand-out of ${taskIds.join(", ")}`, error));
  }
}
