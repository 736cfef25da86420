import type { RunView } from "../../durable-objects/workflow-run/run-types";
import { ApiError } from "../http/errors";
import { runObject } from "../runs/run-object";
import { type StartRequest, startRun } from "../runs/start-run";

/**
 * Starts the run with the id chosen ahead (recorded in a trigger's ledger, or a hook's idempotency row,
 * before this is called), or answers it if it was started already. A start interrupted by a crash is so
 * completed with the same id rather than repeated: the run's object ignores a second start, and the check
 * first keeps a retry from making the hierarchical workers' branches a second time.
 */
export async function startRunOnce(env: Env, request: StartRequest & { runId: string }): Promise<RunView> {
  const existing = await runObject(env, request.runId).view();
  if (existing) return existing;
  return startRun(env, request);
}

/**
 * Whether a failed start will fail the same way if tried again: the workflow is gone, an agent no longer
 * resolves, … (the API's 4xx). Anything else (D1 or a Durable Object unavailable for a moment) is retried.
 */
export const isPermanentStartFailure = (error: unknown): boolean => error instanceof ApiError && error.status < 500;

export function startError(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}
