import type { Context } from "hono";
import { database } from "../db/client";
import { principalOf } from "../http/auth";
import { ApiError } from "../http/errors";
import type { AppEnv } from "../http/context";
import { policySetAt } from "../policy/policy-cache";
import type { PolicyDecision } from "../policy/policy-rule";
import { EMPTY_POLICY_SET_VERSION, compilePolicySet } from "../policy/policy-set";
import { type Action, type Resource, resourceName } from "./actions";
import { decision } from "./may";
import { type Principal, isAdminToken } from "./principal";
import { recordDenial } from "./record-denial";

/**
 * The one authorisation function every route calls before it acts: the policies (policy/policy-engine.ts,
 * where the semantics are written down) over the role defaults. The admin token is the break-glass and no
 * policy applies to it. A refusal is recorded in `_policy_denials` and `_audit_log` in one D1 batch,
 * then raised as 403 naming the action, resource, deciding policy (null for a role default) and reason.
 */
export async function authorize(c: Context<AppEnv>, action: Action, resource: Resource): Promise<void> {
  const principal = await principalOf(c);
  const decision = await decisionFor(c, principal, action, resource);
  if (decision.allowed) return;
  await recordDenial(c, { agentId: principal.agentId, action, resource: resourceName(resource), policyId: decision.policy_id, reason: decision.reason });
  throw new ApiError("forbidden", `Agent '${principal.agentId}' may not ${action} on ${resourceName(resource)}: ${decision.reason}.`, {
    action,
    resource: resourceName(resource),
    policy_id: decision.policy_id,
    reason: decision.reason,
  });
}

/** The decision `authorize` would take, without recording a refusal: for filtering what a list shows. */
export async function permits(c: Context<AppEnv>, action: Action, resource: Resource): Promise<boolean> {
  return (await decisionFor(c, await principalOf(c), action, resource)).allowed;
}

/** What the admin token is decided against: nothing (decision() lets it through before any policy). */
const NO_POLICIES = compilePolicySet([], EMPTY_POLICY_SET_VERSION);

async function decisionFor(c: Context<AppEnv>, principal: Principal, action: Action, resource: Resource): Promise<PolicyDecision> {
  // The admin token needs no policy set: decided before one is loaded.
  const policies = isAdminToken(principal) ? NO_POLICIES : await policySetAt(database(c.env), principal.policySetVersion);
  return decision(policies, principal, action, resource, { now: new Date(), request_id: c.get("requestId") });
}
