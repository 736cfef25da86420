import type { Context } from "hono";
import { auditInsert } from "../audit/audit-log";
import { database } from "../db/client";
import { policyDenials } from "../db/schema";
import { principalOf } from "../http/auth";
import { ApiError } from "../http/errors";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import { policySetAt } from "../policy/policy-cache";
import { decide } from "../policy/policy-engine";
import type { PolicyDecision } from "../policy/policy-rule";
import { type Action, type Resource, resourceName } from "./actions";
import { isAdminToken } from "./principal";

/**
 * The one authorisation function every route calls before it acts: the policies (policy/policy-engine.ts,
 * where the semantics are written down) over the role defaults. The admin token is the break-glass and no
 * policy applies to it. A refusal is recorded in `_policy_denials` and `_audit_log` in one D1 batch,
 * then raised as 403 naming the action, resource, deciding policy (null for a role default) and reason.
 */
export async function authorize(c: Context<AppEnv>, action: Action, resource: Resource): Promise<void> {
  const principal = await principalOf(c);
  if (isAdminToken(principal)) return;
  const db = database(c.env);
  const policies = await policySetAt(db, principal.policySetVersion);
  const subject = { agent_id: principal.agentId, role: principal.role, attributes: principal.attributes };
  const decision = decide(policies, subject, action, resource, { now: new Date(), request_id: c.get("requestId") });
  if (decision.allowed) return;
  await recordDenial(c, principal.agentId, action, resourceName(resource), decision);
  throw new ApiError("forbidden", `Agent '${principal.agentId}' may not ${action} on ${resourceName(resource)}: ${decision.reason}.`, {
    action,
    resource: resourceName(resource),
    policy_id: decision.policy_id,
    reason: decision.reason,
  });
}

async function recordDenial(c: Context<AppEnv>, agentId: string, action: Action, resource: string, decision: PolicyDecision) {
  const db = database(c.env);
  await db.batch([
    db.insert(policyDenials).values({
      denialId: newId("den"),
      agentId,
      action,
      resource,
      policyId: decision.policy_id,
      reason: decision.reason,
      deniedAt: isoNow(),
    }),
    auditInsert(db, {
      agentId,
      action,
      resource,
      status: "denied",
      requestId: c.get("requestId"),
      details: { policy_id: decision.policy_id, reason: decision.reason },
    }),
  ]);
}
