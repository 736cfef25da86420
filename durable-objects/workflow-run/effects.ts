import type { TaskFields } from "../agent/inbox-types";
import type { ViolationRecord } from "../../src/guard-rails/violations";
import type { RunObservation } from "../../src/observability/run-observation";
import type { Json } from "../../src/workflows/definition/types";
import type { ErrorInfo, RunStatus, TaskStatus } from "./run-types";

// What a run must do outside itself. The engine only records effects (in the outbox, in the same
// transaction as the change that needs them); the object carries them out afterwards, and again after a
// restart until each has succeeded. So every effect must be safe to carry out twice.

/** Put a task into its agent's inbox (idempotent: the inbox dedupes by task id), or POST it to the version's endpoint. */
export interface DeliverTask {
  type: "deliver_task";
  task: TaskFields;
  endpoint: string | null;
}

/** Take a cancelled or superseded task back out of its agent's inbox, if it is still waiting there. */
export interface RetractTask {
  type: "retract_task";
  agent_id: string;
  task_id: string;
}

/** The run's row in the D1 registry (`_runs`), for lists and SQL. */
export interface RunRecord {
  run_id: string;
  workflow: string;
  revision: number;
  status: RunStatus;
  trigger_type: string;
  trigger: Json;
  agents: Record<string, string>;
  error: ErrorInfo | null;
  started_by: string;
  started_at: string;
  ended_at: string | null;
  mode: "live" | "dry";
}

/** A task's row in the D1 registry (`_tasks`); `rev` orders the writes of one task, so a late retry of an older one changes nothing. */
export interface TaskRecord {
  task_id: string;
  run_id: string;
  workflow: string;
  agent_id: string;
  version: string;
  status: TaskStatus;
  attempt: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  deadline: string;
  error_code: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  ab_test_id: string | null;
  ab_arm: string | null;
  /** The task's thumbs up or down, if rated (an A/B test's quality_score). */
  rating: "up" | "down" | null;
  rev: number;
}

export interface AuditRecord {
  audit_id: string;
  agent_id: string;
  action: string;
  resource: string;
  request_id: string | null;
  at: string;
  details: Json;
}

/** Registry rows, audit rows and guard-rail violations, written to D1 in one batch. */
export interface RecordEffect {
  type: "record";
  run?: RunRecord;
  tasks: TaskRecord[];
  audit: AuditRecord[];
  violations?: ViolationRecord[];
}

/** Discard the data branches a hierarchical run gave its workers, once the run has ended. */
export interface DiscardBranches {
  type: "discard_branches";
  branch_ids: string[];
  by: string;
}

/**
 * Read the diff summary of each worker's branch, then give the supervisor its synthesis task (a join over
 * branches needs the branches' state, which only their objects know).
 */
export interface SummarizeBranches {
  type: "summarize_branches";
  pattern: number;
  /** Worker → its branch. */
  branches: Record<string, string>;
}

/** Per worker: for each table its branch changed, how many rows it added, changed and deleted. */
export type BranchSummaries = Record<string, { tables: Record<string, { added: number; changed: number; deleted: number }>; conflicts: number } | { error: string }>;

/** What a finished run adds to its workflow's dependency graph and bottleneck report (D1 rows, replaced whole). */
export interface ObserveRun {
  type: "observe_run";
  observation: RunObservation;
}

/** Hand the finished run's trace to the deliveries queue for the deployment's OTLP collector, when one is set. */
export interface ExportTrace {
  type: "export_trace";
  run_id: string;
}

/**
 * A platform event of the run (`run.started`, `run.succeeded`, `run.failed`, `task.failed`,
 * `guard_rail.violated`), published only
 * if some workflow subscribes to its type. Its event id is derived from `key`, so carrying it out twice
 * publishes it once. `depth` and `caused_by` let the loop guard bound chains of runs started by each
 * other's events (src/events/loop-guard.ts).
 */
export interface PublishPlatformEvent {
  type: "publish_event";
  event_type: "run.started" | "run.succeeded" | "run.failed" | "task.failed" | "guard_rail.violated";
  key: string;
  data: Json;
  depth: number;
  caused_by: { run_id: string; workflow: string; started_by_platform_event: boolean };
}

export type Effect = DeliverTask | RetractTask | RecordEffect | DiscardBranches | SummarizeBranches | PublishPlatformEvent | ObserveRun | ExportTrace;
