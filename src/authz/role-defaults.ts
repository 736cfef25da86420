import type { Action, Resource } from "./actions";
import { ADMIN_ACTIONS, isReadAction } from "./actions";
import type { Principal } from "./principal";

export type Decision = { allowed: true } | { allowed: false; reason: string };

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/**
 * The decision where no policy matches. Admins may do anything. Readers (supervisors) may only read.
 * Agents read and write the data layer, but what belongs to another agent is theirs alone to change:
 * its state (others may read it, for hand-offs), its private memory namespace, its inbox.
 */
export function roleDefault(principal: Principal, action: Action, resource: Resource): Decision {
  if (principal.role === "admin") return allow;
  if ((ADMIN_ACTIONS as readonly string[]).includes(action)) return deny(`'${action}' needs the admin role`);
  if (principal.role === "reader" && !isReadAction(action)) return deny(`the reader role may only read`);

  const owner = resource.owner;
  if (owner === undefined || owner === principal.agentId) return allow;
  if (action === "state:read") return allow;
  if (action === "inbox:send") return allow;
  return deny(`'${resource.type}:${resource.id}' belongs to agent '${owner}'`);
}
