import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents, policySet } from "../db/schema";
import { policySetAt } from "../policy/policy-cache";
import { decide } from "../policy/policy-engine";
import type { PolicySet } from "../policy/policy-set";
import type { DecisionContext, PolicyDecision } from "../policy/policy-rule";
import type { Action, Resource } from "./actions";
import { ADMIN_PRINCIPAL, type Principal, type Role, isAdminToken } from "./principal";

/**
 * The decision `authorize` makes, without recording or raising anything: for deciding what a caller is
 * shown (rows of a system table) or what may happen on its behalf later (a trigger firing for its
 * creator). Same engine, same policies, same role defaults; the admin token may do anything.
 */
export function may(policies: PolicySet, principal: Principal, action: Action, resource: Resource, context: DecisionContext): boolean {
  return decision(policies, principal, action, resource, context).allowed;
}

/** The decision itself, with its deciding policy and reason: the admin token's, or the engine's over the role defaults. */
export function decision(policies: PolicySet, principal: Principal, action: Action, resource: Resource, context: DecisionContext): PolicyDecision {
  if (isAdminToken(principal)) return { allowed: true, policy_id: null, reason: "the admin token" };
  const subject = { agent_id: principal.agentId, role: principal.role, attributes: principal.attributes };
  return decide(policies, subject, action, resource, context);
}

/**
 * Principals by agent id, for decisions made outside a request (a trigger firing for its creator), with
 * the current policy set. `admin` is the admin token (no agent may take that id); an agent that no longer
 * exists is absent, and may therefore do nothing.
 */
export async function principalsById(db: Database, agentIds: readonly string[]): Promise<{ principals: Map<string, Principal>; policies: PolicySet }> {
  const ids = [...new Set(agentIds)].filter((id) => id !== ADMIN_PRINCIPAL.agentId);
  const [versions, rows] = await db.batch([
    db.select({ version: policySet.version }).from(policySet).where(sql`${policySet.id} = 1`),
    db
      .select({ agentId: agents.agentId, role: agents.role, attributes: agents.attributes })
      .from(agents)
      // One JSON value, not one binding per id: a D1 statement binds at most 100 values.
      .where(sql`${agents.agentId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`),
  ]);
  const principals = new Map<string, Principal>();
  if (agentIds.includes(ADMIN_PRINCIPAL.agentId)) principals.set(ADMIN_PRINCIPAL.agentId, ADMIN_PRINCIPAL);
  for (const row of rows) {
    // A key id marks an agent, not the admin token (isAdminToken): these principals act for agents.
    principals.set(row.agentId, { agentId: row.agentId, role: row.role as Role, attributes: JSON.parse(row.attributes) as Record<string, unknown>, keyId: "-" });
  }
  const policies = await policySetAt(db, versions[0]?.version ?? undefined);
  return { principals, policies };
}
