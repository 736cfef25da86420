import type { Action, Resource } from "./actions";
import { isAdminAction, isReadAction } from "./actions";
import type { Principal } from "./principal";

/**
 * A role default's answer. `liftable` says whether an allow policy may overrule a refusal: only the
 * ownership rule is (an agent's state, private namespace or inbox is its own unless a policy shares it);
 * the admin-only actions and the reader's read-only ceiling are not.
 */
export type Decision = { allowed: true } | { allowed: false; reason: string; liftable: boolean };

const allow: Decision = { allowed: true };
const ceiling = (reason: string): Decision => ({ allowed: false, reason, liftable: false });

/**
 * The decision where no policy matches. Admins may do anything. Readers (supervisors) may only read.
 * Agents read and write the data layer, but what belongs to another agent is theirs alone to change:
 * its state (others may read it, for hand-offs), its private memory namespace, its inbox.
 */
export function roleDefault(principal: Pick<Principal, "agentId" | "role">, action: Action, resource: Resource): Decision {
  if (principal.role === "admin") return allow;
  if (isAdminAction(action)) return ceiling(`'${action}' needs the admin role`);
  if (principal.role === "reader" && !isReadAction(action)) return ceiling(`the reader role may only read`);

  const owner = resource.owner;
  if (owner === undefined || owner === principal.agentId) return allow;
  if (action === "state:read") return allow;
  if (action === "inbox:send") return allow;
  return { allowed: false, reason: `'${resource.type}:${resource.id}' belongs to agent '${owner}'`, liftable: true };
}
