export type Role = "agent" | "reader" | "admin";

/** Who is calling: an agent authenticated by its key, or the deployment's admin token. */
export interface Principal {
  agentId: string;
  role: Role;
  attributes: Record<string, unknown>;
  /** The key that authenticated the call; absent for the admin token. */
  keyId?: string;
  /** The policy set's version, read with the key (http/auth.ts) so a decision needs no read of its own. */
  policySetVersion?: string;
  /** The catalog's version (workflows, agent versions, A/B tests), read with the key: a run's start caches by it. */
  catalogVersion?: string;
  /** The event routing's version, read with the key too: platform events cost nothing while nothing subscribes (events/routing-cache.ts). */
  eventRoutingVersion?: string;
}

/** The admin token acts as this principal: it is in every audit row the token causes. */
export const ADMIN_PRINCIPAL: Principal = { agentId: "admin", role: "admin", attributes: {} };

/** The admin token is the break-glass: no policy applies to it (an admin-role agent's key is not it). */
export const isAdminToken = (principal: Principal): boolean => principal.keyId === undefined && principal.agentId === ADMIN_PRINCIPAL.agentId;
