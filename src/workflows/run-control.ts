import type { Caller } from "../../durable-objects/workflow-run/run-types";
import { runObject } from "../runs/run-object";

// What deleting a workflow needs from the run engine: its runs still running (from the runs' registry),
// and a way to cancel one (through the run's own Durable Object, the single writer of a run).

/** The ids of the workflow's runs that are still running. */
export async function runningRuns(env: Env, workflow: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT run_id FROM _runs WHERE workflow = ?1 AND status = 'running' AND mode = 'live' ORDER BY run_id")
    .bind(workflow)
    .all<{ run_id: string }>();
  return results.map((r) => r.run_id);
}

/** Cancels one run (a run that already ended is left as it is): its open tasks are taken back, its registry row follows. */
export async function cancelRun(env: Env, runId: string, by: Caller, reason: string): Promise<void> {
  await runObject(env, runId).cancel(by, reason);
}
