import type { Outcome } from "../../src/branches/outcome";
import type { Json, JSONSchema, WorkflowDefinition } from "../../src/workflows/definition/types";

// What crosses between the Worker and a run's object: how a run is started, and how it answers.

/** The version of an agent a run pinned when it started, with what its tasks are checked against. */
export interface PinnedAgent {
  version: string;
  endpoint: string | null;
  output_schema: JSONSchema | null;
  /** The A/B test arm that chose this version, when a test did (api-v1-coordination.md, "A/B tests"). */
  ab?: { ab_test_id: string; arm: "a" | "b" };
}

/** How a run started: `{type: "manual"}`, or a lifecycle trigger's record (schedule, event, webhook, polling). */
export type RunTrigger = { type: string; [field: string]: Json };

/** The limits a run enforces, merged from the deployment's, the workflow's and its versions' guard rails. */
export interface RunLimits {
  max_tasks_per_run: number;
  max_run_seconds: number | null;
  max_tokens_per_task: number | null;
  max_message_bytes: number | null;
}

export const DEFAULT_RUN_LIMITS: RunLimits = { max_tasks_per_run: 1000, max_run_seconds: null, max_tokens_per_task: null, max_message_bytes: null };

export interface RunInit {
  run_id: string;
  workflow: string;
  revision: number;
  definition: WorkflowDefinition;
  agents: Record<string, PinnedAgent>;
  input: Json;
  trigger: RunTrigger;
  started_by: string;
  request_id?: string;
  limits: RunLimits;
  /** Worker name → branch id, for hierarchical workers with `branch: true` (created before the run starts). */
  branches: Record<string, string>;
  /** The event that started the run (event-driven entries and event triggers). */
  event?: RunEvent;
  /** For each event-driven pattern (by its index in `coordination`), the entries the event matched. */
  matched?: Record<string, number[]>;
}

export interface RunEvent {
  event_id: string;
  type: string;
  source: string | null;
  data: Json;
  time: string;
  /** Platform events leading to it from the last cause from outside (0: from outside); bounds event loops. */
  depth?: number;
}

export type RunStatus = "running" | "succeeded" | "failed" | "timed_out" | "cancelled";
export type TaskStatus = "pending" | "running" | "succeeded" | "failed" | "timed_out" | "cancelled";

export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ["pending", "running"];
export const isOpenTask = (status: TaskStatus) => status === "pending" || status === "running";

export interface ErrorInfo {
  code: string;
  message: string;
  [field: string]: Json;
}

export interface Usage {
  tokens_in: number;
  tokens_out: number;
}

/** A task as `GET /v1/tasks/{task_id}` answers it. */
export interface TaskView {
  task_id: string;
  run_id: string;
  workflow: string;
  agent_id: string;
  version: string;
  status: TaskStatus;
  input: Json;
  output: Json | null;
  error: ErrorInfo | null;
  attempt: number;
  usage: Usage | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  deadline: string;
  ab?: { ab_test_id: string; arm: "a" | "b" };
  feedback?: { rating: "up" | "down"; comment: string | null; at: string } | null;
}

/** A run as `GET /v1/runs/{run_id}` answers it. */
export interface RunView {
  run_id: string;
  workflow: string;
  revision: number;
  status: RunStatus;
  input: Json;
  output: Json | null;
  error: ErrorInfo | null;
  agents: Record<string, string>;
  trigger: RunTrigger;
  tasks: TaskView[];
  started_at: string;
  ended_at: string | null;
}

/** Who is asking the run to do something, as the Worker authenticated them. */
export interface Caller {
  agent_id: string;
  admin: boolean;
  /** A reader (a supervisor) reads everything in a run and changes nothing. */
  reader?: boolean;
  request_id?: string;
}

/** A task's completion, as its agent sends it. */
export interface Completion {
  output?: Json;
  status?: "succeeded" | "failed";
  error?: { code?: string; message?: string; [field: string]: Json | undefined };
  usage?: Usage;
  state?: Record<string, Json>;
}

/** A message sent explicitly along the flow: `POST /v1/runs/{run_id}/messages`. */
export interface MessageInput {
  to?: string;
  schema: string;
  body: Json;
}

export interface MessageView {
  message_id: string;
  run_id: string;
  from: string;
  to: string;
  schema: string | null;
  body: Json;
  sent_at: string;
  from_task_id: string | null;
  to_task_id: string | null;
}

/**
 * The run answers refusals instead of throwing them (errors lose their shape across RPC), in the shape the
 * branch objects use: the Worker raises them with `unwrap` (recording the denial first for `forbidden`).
 */
export type Answer<T> = Outcome<T>;
export type Refusal = Extract<Outcome<never>, { ok: false }>;

export const refuse = (code: "invalid_request" | "forbidden" | "not_found" | "conflict" | "payload_too_large", message: string, details?: Json): Refusal => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

export const answer = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
