/** The actions of the contract's policy language, plus the admin-only management actions. */
export const DATA_ACTIONS = [
  "memory:read",
  "memory:write",
  "memory:delete",
  "trigger:manage",
  "inbox:read",
  "inbox:send",
  "branch:create",
  "branch:read",
  "branch:write",
  "branch:merge",
  "branch:discard",
  "state:read",
  "state:write",
  "query:read",
  "query:write",
  "cot:read",
  "cot:write",
  // Part 2 (api-v1-coordination.md, "Permissions").
  "catalog:publish",
  "workflow:read",
  "workflow:write",
  "workflow:run",
  "task:complete",
  "event:publish",
] as const;

/**
 * Actions only admins take, whatever the policies say: managing agents and policies, other agents'
 * versions, event types, A/B tests and the deployment's guard rails.
 */
export const ADMIN_ACTIONS = ["agent:manage", "policy:manage", "catalog:manage", "event:define", "ab:manage", "guard_rail:manage"] as const;

/** Every action a policy may name, in a fixed order (policy action globs are expanded against it). */
export const ALL_ACTIONS: readonly Action[] = [...DATA_ACTIONS, ...ADMIN_ACTIONS];

export const isAdminAction = (action: string): boolean => (ADMIN_ACTIONS as readonly string[]).includes(action);

/**
 * The resource types of the contract (`memory:<namespace>`, `table:<name>`, …), plus those the
 * admin-only actions act on (`agent:*`, `policy:<policy_id>`), triggers, and the coordination half's.
 */
export const RESOURCE_TYPES = [
  "memory",
  "table",
  "branch",
  "state",
  "inbox",
  "cot",
  "trigger",
  "agent",
  "policy",
  // Part 2: `catalog:<agent_id>`, `workflow:<name>`, `task:<task_id>`, `event:<type>`, `ab:<ab_test_id>`, `guard_rail:<scope>`.
  "catalog",
  "workflow",
  "task",
  "event",
  "ab",
  "guard_rail",
] as const;

export type Action = (typeof DATA_ACTIONS)[number] | (typeof ADMIN_ACTIONS)[number];

/** What a call acts on: `memory:<namespace>`, `state:<agent_id>`, … `owner` is the agent it belongs to, if any. */
export interface Resource {
  type: string;
  id: string;
  owner?: string;
}

export const resourceName = (r: Resource) => `${r.type}:${r.id}`;

export const isReadAction = (action: Action) => action.endsWith(":read");
