import { eq } from "drizzle-orm";
import type { Action, Resource } from "../authz/actions";
import { ADMIN_PRINCIPAL, type Principal, isAdminToken } from "../authz/principal";
import type { Database } from "../db/client";
import { agents } from "../db/schema";
import { policySetAt } from "../policy/policy-cache";
import { decide } from "../policy/policy-engine";
import type { PolicyDecision } from "../policy/policy-rule";
import { policySetVersionColumn } from "../policy/policy-store";

/**
 * A trigger acts for its workflow's author: a poll's condition runs with the author's role and policies,
 * as if the author had sent it to /v1/query, and the runs the trigger starts are started by the author.
 * The principal is built from `_agents` each time (a changed role or a new policy applies to the next
 * poll); "admin" is the admin token, which no policy restricts.
 */
export async function authorPrincipal(db: Database, author: string): Promise<Principal | undefined> {
  const [row] = await db
    .select({ role: agents.role, attributes: agents.attributes, policySetVersion: policySetVersionColumn })
    .from(agents)
    .where(eq(agents.agentId, author));
  if (row) {
    return {
      agentId: author,
      role: row.role,
      attributes: JSON.parse(row.attributes) as Record<string, unknown>,
      ...(row.policySetVersion === null ? {} : { policySetVersion: row.policySetVersion }),
    };
  }
  // "admin" is reserved for the admin token: no agent can hold that id.
  return author === ADMIN_PRINCIPAL.agentId ? ADMIN_PRINCIPAL : undefined;
}

/** The policy engine's decision for the author, as `authorize` takes it for a request (without recording). */
export async function authorDecision(db: Database, principal: Principal, action: Action, resource: Resource, context: { now: Date; requestId: string }): Promise<PolicyDecision> {
  if (isAdminToken(principal)) return { allowed: true, policy_id: null, reason: "the admin token" };
  const policies = await policySetAt(db, principal.policySetVersion);
  const subject = { agent_id: principal.agentId, role: principal.role, attributes: principal.attributes };
  return decide(policies, subject, action, resource, { now: context.now, request_id: context.requestId });
}
