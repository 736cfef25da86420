import type { Context } from "hono";
import { auditInsert } from "../audit/audit-log";
import { database } from "../db/client";
import { policyDenials } from "../db/schema";
import { principalOf } from "../http/auth";
import { ApiError } from "../http/errors";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import { type Action, type Resource, resourceName } from "./actions";
import { roleDefault } from "./role-defaults";

/**
 * The one authorisation function every route calls before it acts. A refusal is recorded in
 * `_policy_denials` and `_audit_log`, then raised as 403 with the action, resource and policy.
 * (The policy engine's allow/deny rules slot in ahead of the role defaults.)
 */
export async function authorize(c: Context<AppEnv>, action: Action, resource: Resource): Promise<void> {
  const principal = await principalOf(c);
  const decision = roleDefault(principal, action, resource);
  if (decision.allowed) return;

  const name = resourceName(resource);
  const policyId = null;
  const db = database(c.env);
  await db.batch([
    db.insert(policyDenials).values({
      denialId: newId("den"),
      agentId: principal.agentId,
      action,
      resource: name,
      policyId,
      reason: decision.reason,
      deniedAt: isoNow(),
    }),
    auditInsert(db, {
      agentId: principal.agentId,
      action,
      resource: name,
      status: "denied",
      requestId: c.get("requestId"),
      details: { reason: decision.reason },
    }),
  ]);
  throw new ApiError("forbidden", `Agent '${principal.agentId}' may not ${action} on ${name}: ${decision.reason}.`, {
    action,
    resource: name,
    policy_id: policyId,
    reason: decision.reason,
  });
}
