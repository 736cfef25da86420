import type { GuardRails } from "../../guard-rails/rules";
import type { Trigger } from "../../schedules/trigger-schemas";

// The normalised workflow definition: what a revision stores and what the run engine reads. Every
// optional part of the document has its default here, and every agent a pattern uses is in `agents`.

/** Any JSON value (inputs, outputs, messages, state values). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const CONFLICT_POLICIES = ["last-write-wins", "first-write-wins", "version-check", "append", "merge"] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export const PATTERNS = ["event-driven", "message-passing", "shared-state", "hierarchical"] as const;
export type PatternName = (typeof PATTERNS)[number];

export const AGGREGATION_STRATEGIES = ["supervisor-synthesis", "collect"] as const;

/** A JSON Schema (an object or a boolean), checked to be one when the definition is saved. */
export type JSONSchema = boolean | Record<string, unknown>;

export interface AgentRef {
  name: string;
  /** An exact version (a pin), `latest`, or a semver range: resolved when a run starts. */
  version: string;
}

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
  state_store: {
    type: "key-value";
    conflict_resolution: ConflictPolicy;
    keys: Record<string, { conflict_resolution: ConflictPolicy }>;
  };
  agents: { name: string; reads: string[]; writes: string[] }[];
}

export interface HierarchicalPattern {
  pattern: "hierarchical";
  supervisor: string;
  workers: { name: string; task: string; branch: boolean }[];
  aggregation: { strategy: (typeof AGGREGATION_STRATEGIES)[number]; timeout_seconds: number };
}

export type Pattern = EventDrivenPattern | MessagePassingPattern | SharedStatePattern | HierarchicalPattern;

export interface WorkflowDefinition {
  description: string | null;
  /** Every agent used anywhere: those listed first, in their order, then the others as first used (as `latest`). */
  agents: AgentRef[];
  defaults: { task_timeout_seconds: number; retries: number };
  /** Always a list: a single pattern becomes a list of one. */
  coordination: Pattern[];
  /** Message schemas by name. */
  schemas: Record<string, JSONSchema>;
  triggers: Trigger[];
  guard_rails: GuardRails | null;
}

export type { GuardRails, Trigger };

export const DEFAULT_TASK_TIMEOUT_SECONDS = 300;
export const DEFAULT_RETRIES = 1;
