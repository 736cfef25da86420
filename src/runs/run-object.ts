import type { WorkflowRun } from "../../durable-objects/workflow-run";
import { runIdOfTask } from "../../durable-objects/workflow-run/task-ids";
import { notFound } from "../http/errors";

type RunMethods = "start" | "view" | "task" | "messages" | "complete" | "heartbeat" | "feedback" | "tasksHandedOut" | "cancel" | "sendMessage" | "delegate" | "putState" | "getState" | "stateAt" | "stateHistory" | "dryRun" | "dryRunView" | "runTrace";

/**
 * A run's object seen through its methods, typed as the class declares them: the runtime's RPC stub type
 * cannot finish on the recursive JSON the runs carry ("type instantiation is excessively deep"); the
 * values cross RPC unchanged (structured clone of plain JSON).
 */
export type RunObject = Pick<WorkflowRun, RunMethods>;

export const runObject = (env: Env, runId: string): RunObject => env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(runId)) as unknown as RunObject;

/** The object of the run a task belongs to (task ids carry their run's id); 404 for what is no task id. */
export function taskRunObject(env: Env, taskId: string): RunObject {
  const runId = runIdOfTask(taskId);
  if (runId === null) throw notFound("Task", taskId);
  return runObject(env, runId);
}
