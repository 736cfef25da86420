import type { TaskFields } from "../agent/inbox-types";

/** POSTs a task to its version's endpoint, signed and retried like a webhook. */
export async function deliverToEndpoint(_env: Env, task: TaskFields, endpoint: string): Promise<void> {
  throw new Error(`endpoint delivery of ${task.task_id} to ${endpoint} is not wired yet`);
}
