import type { Role } from "../authz/principal";

export type Effect = "allow" | "deny";

/** A policy as stored and as the engine reads it (see policy-engine.ts for what it means). */
export interface PolicyRule {
  policy_id: string;
  effect: Effect;
  /** Actions or action globs: `memory:write`, `memory:*`, `*:read`. */
  actions: string[];
  /** Resource patterns: `memory:shared-knowledge-base`, `state:*`, `*:team-*`, `*`. */
  resources: string[];
  /** Agent ids and `role:<role>`; null means every agent. */
  principals: string[] | null;
  /** A CEL expression; null means the policy matches whenever its actions, resources and principals do. */
  condition: string | null;
}

/** Who asks: the authenticated agent, as conditions see it. */
export interface Subject {
  agent_id: string;
  role: Role;
  attributes: Record<string, unknown>;
}

export interface DecisionContext {
  now: Date;
  request_id: string;
}

/** The engine's answer; `policy_id` names the policy that decided, null where a role default did. */
export interface PolicyDecision {
  allowed: boolean;
  policy_id: string | null;
  reason: string;
}

export const ROLE_PRINCIPAL_PREFIX = "role:";
