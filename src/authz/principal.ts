export type Role = "agent" | "reader" | "admin";

/** Who is calling: an agent authenticated by its key, or the deployment's admin token. */
export interface Principal {
  agentId: string;
  role: Role;
  attributes: Record<string, unknown>;
  /** The key that authenticated the call; absent for the admin token. */
  keyId?: string;
}

/** The admin token acts as this principal: it is in every audit row the token causes. */
export const ADMIN_PRINCIPAL: Principal = { agentId: "admin", role: "admin", attributes: {} };
