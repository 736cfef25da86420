import type { Action } from "../authz/actions";
import { foldName } from "./sql-names";

// The row rule: a system table whose rows belong to someone shows a caller, through SQL, only the rows it
// could read through the REST API (a private namespace's memories to its agent, audit rows about a table
// to those who may read that table). This file says which tables that is and who each row belongs to;
// authz/readable-rows.ts decides per caller with the policy engine, and sql/rewrite-reads.ts puts the
// answer into the statement, wherever the table is read: joins, subqueries, CTEs, unions, views.

/** How a value in an owner column becomes an authorisation question: `action` on `<type>:<value>`. */
export interface ResourceKind {
  action: Action;
  type: string;
  /** A value that is an agent's id names that agent's private resource (memory namespaces). */
  ownedByAgentOfSameName?: boolean;
}

export const RESOURCE_KINDS = {
  memory: { action: "memory:read", type: "memory", ownedByAgentOfSameName: true },
  table: { action: "query:read", type: "table" },
  cot: { action: "cot:read", type: "cot" },
  workflow: { action: "workflow:read", type: "workflow" },
  catalog: { action: "workflow:read", type: "catalog" },
  event: { action: "workflow:read", type: "event" },
} as const satisfies Record<string, ResourceKind>;

export type ResourceKindName = keyof typeof RESOURCE_KINDS;

/**
 * Who a protected table's row belongs to, read from one column:
 * - `id`: the column holds the resource's id (`_memory.agent_id` is the namespace). The column must lead
 *   an index: the ids that occur are listed by skipping through it.
 * - `ids`: a JSON array of ids, and the row needs every one (`_triggers.namespaces`); NULL: everyone's.
 * - `names`: resource names `<type>:<id>`; rows naming one of these kinds are governed, the rest are not.
 *   The column must lead an index too.
 */
export type RowOwner =
  | { column: string; id: ResourceKindName }
  | { column: string; ids: ResourceKindName }
  | { column: string; names: readonly ResourceKindName[] };

/**
 * The protected system tables: one line each. A later system table whose rows belong to someone adds its
 * line here (with a kind above, or a new kind), and SQL over it is filtered everywhere it can be read.
 */
export const PROTECTED_TABLES: Readonly<Record<string, RowOwner>> = {
  _memory: { column: "agent_id", id: "memory" },
  _triggers: { column: "namespaces", ids: "memory" },
  _cot: { column: "session_id", id: "cot" },
  _audit_log: { column: "resource", names: ["table", "memory", "cot", "workflow"] },
  _runs: { column: "workflow", id: "workflow" },
  _tasks: { column: "workflow", id: "workflow" },
  _workflows: { column: "name", id: "workflow" },
  _workflow_revisions: { column: "name", id: "workflow" },
  _agent_versions: { column: "agent_id", id: "catalog" },
  // A violation is about the write's resource (`memory:<ns>`, `workflow:<name>`, `table:<name>`), as its audit row is.
  _guard_rail_violations: { column: "resource", names: ["table", "memory", "cot", "workflow"] },
  _lifecycle_triggers: { column: "workflow", id: "workflow" },
  _trigger_decisions: { column: "workflow", id: "workflow" },
  _run_observations: { column: "workflow", id: "workflow" },
  _run_agent_stats: { column: "workflow", id: "workflow" },
  _run_edges: { column: "workflow", id: "workflow" },
  _run_task_durations: { column: "workflow", id: "workflow" },
  _events: { column: "type", id: "event" },
  _event_decisions: { column: "workflow", id: "workflow" },
};

export const isProtectedTable = (name: string): boolean => Object.hasOwn(PROTECTED_TABLES, foldName(name));

export function rowOwner(name: string): RowOwner | undefined {
  const folded = foldName(name);
  return Object.hasOwn(PROTECTED_TABLES, folded) ? PROTECTED_TABLES[folded] : undefined;
}

/** The kinds of resource a table's rows are decided by. */
export function kindsOf(owner: RowOwner): readonly ResourceKindName[] {
  return "id" in owner ? [owner.id] : "ids" in owner ? [owner.ids] : owner.names;
}
