import type { Context } from "hono";
import type { Answer, Caller } from "../../durable-objects/workflow-run/run-types";
import { recordDenial } from "../authz/record-denial";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";

/** Who is asking a run to act, as the run needs to know them. */
export function callerOf(c: Context<AppEnv>): Caller {
  const principal = c.get("principal");
  return { agent_id: principal.agentId, admin: principal.role === "admin", reader: principal.role === "reader", request_id: c.get("requestId") };
}

/**
 * A run's answer as the contract's response: the value, or its refusal raised as an ApiError. A run's
 * `forbidden` (a message off the declared flow, a delegation by someone other than the supervisor) is a
 * denial like any other: recorded in `_policy_denials` and `_audit_log` first.
 */
export async function settle<T>(c: Context<AppEnv>, answer: Answer<T>): Promise<T> {
  if (answer.ok) return answer.value;
  const { code, message, details } = answer.error;
  if (code === "forbidden") {
    const d = (details ?? {}) as { action?: string; resource?: string; reason?: string };
    await recordDenial(c, {
      agentId: c.get("principal").agentId,
      action: d.action ?? "workflow:run",
      resource: d.resource ?? "workflow:*",
      policyId: null,
      reason: d.reason ?? message,
      by: "run",
    });
    throw new ApiError("forbidden", message, { ...d, policy_id: null });
  }
  throw new ApiError(code, message, details);
}
