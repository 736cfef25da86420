// The normalised workflow definition: what a revision stores and what a run's engine reads. The YAML or
// JSON a user PUTs is validated and brought to this shape by the definition parser.

/** Any JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A JSON Schema document (checked to be one when the workflow or version is defined). */
export type JsonSchema = { [key: string]: Json } | boolean;

export interface AgentReference {
  name: string;
  /** An exact version, `latest`, or a semver range. */
  version: string;
}

export type ConflictPolicy = "last-write-wins" | "first-write-wins" | "version-check" | "append" | "merge";

export interface EventDrivenPattern {
  pattern: "event-driven";
  events: { type: string; filter: string | null; agents: string[] }[];
}

export interface MessagePassingPattern {
  pattern: "message-passing";
  flow: { from: string; to: string; message: { schema: string | null } }[];
}

export interface SharedStatePattern {
  pattern: "shared-state";
  state_store: { type: "key-value"; conflict_resolution: ConflictPolicy; keys: Record<string, { conflict_resolution: ConflictPolicy }> };
  agents: { name: string; reads: string[]; writes: string[] }[];
}

export interface HierarchicalPattern {
  pattern: "hierarchical";
  supervisor: string;
  workers: { name: string; task: string; branch: boolean }[];
  aggregation: { strategy: "supervisor-synthesis" | "collect"; timeout_seconds: number };
}

export type Pattern = EventDrivenPattern | MessagePassingPattern | SharedStatePattern | HierarchicalPattern;
export type PatternName = Pattern["pattern"];

export interface WorkflowDefaults {
  task_timeout_seconds: number;
  retries: number;
}

export interface WorkflowDefinition {
  description: string | null;
  /** Every agent used anywhere, in first-use order; those not listed by the author as `latest`. */
  agents: AgentReference[];
  defaults: WorkflowDefaults;
  /** Always a list: a single pattern is a list of one. */
  coordination: Pattern[];
  schemas: Record<string, JsonSchema>;
  triggers: { type: string; [field: string]: Json }[];
  guard_rails: { [field: string]: Json } | null;
}
