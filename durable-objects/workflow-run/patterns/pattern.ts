import type { SchemaIssue } from "../../../src/lib/json-schema";
import type { Json } from "../../../src/workflows/definition/types";
import type { MessageStore } from "../message-store";
import type { Effect } from "../effects";
import type { Marks, RunRow } from "../run-record";
import type { Answer, Caller, ErrorInfo, MessageInput, MessageView, TaskView } from "../run-types";
import type { SpanLink, SpanStore } from "../span-store";
import type { StateStore } from "../state-store";
import type { TaskCause, TaskRole, TaskRow, TaskStore } from "../task-store";

/** What a pattern may do to its run: the engine's surface, nothing else. */
export interface RunContext {
  readonly now: number;
  run(): RunRow;
  readonly tasks: TaskStore;
  readonly messages: MessageStore;
  readonly spans: SpanStore;
  readonly marks: Marks;
  readonly state: StateStore;
  /**
   * Gives an agent its starting task, unless a pattern already did (an agent starts at most once per
   * run, whichever patterns would start it); returns its task either way, or null when the run ended.
   */
  startAgent(agent: string, input: Json, pattern: number, role: TaskRole, cause: TaskCause, links?: SpanLink[]): TaskRow | null;
  /** A further task for an agent (one per message, a delegation, the synthesis). Null when the run ended. */
  createTask(agent: string, input: Json, pattern: number, role: TaskRole, cause: TaskCause, links?: SpanLink[]): TaskRow | null;
  /** Ends an open task without its agent (a join's timeout): it is taken back from the inbox. */
  endOpenTask(task: TaskRow, status: "timed_out" | "cancelled", error: ErrorInfo): void;
  /** Ends the run as failed, now (its open tasks are cancelled). */
  failRunWith(error: ErrorInfo): void;
  setTimer(name: string, atMs: number): void;
  /** Records something the run must do outside itself (see effects.ts). */
  effect(effect: Effect): void;
  running(): boolean;
  clearTimer(name: string): void;
  newSpanId(): string;
  /** The run's audit trail (written with the registry, outside the run). */
  audit(action: string, resource: string, caller: Caller | null, details: Record<string, Json>): void;
  /** Validates a value against a schema named in the definition's `schemas` (no issues when it is not defined). */
  schemaIssues(schemaName: string | null, value: Json): SchemaIssue[];
}

/** How a pattern stands once no task of the run is open. */
export type Settlement = { status: "waiting" } | { status: "succeeded"; output: Json } | { status: "failed"; error: ErrorInfo };

/** An issue with a task's output, refused with 400 (the task stays open for a corrected completion). */
export interface OutputIssue extends SchemaIssue {
  /** What the output was checked against, in words: the version's `output_schema`, or an edge's schema. */
  against: string;
  /** The edge whose schema refused it, in message-passing. */
  edge?: { from: string; to: string; schema: string | null };
}

/**
 * One coordination pattern's rules, over the engine. A pattern starts its agents, checks the outputs its
 * edges carry, reacts to its tasks finishing and to its timers, and says how it stands when nothing is open.
 */
export interface PatternLogic {
  readonly index: number;
  start(run: RunContext): void;
  checkOutput?(run: RunContext, task: TaskRow, output: Json): OutputIssue[];
  /** A task of this pattern finished. An error fails the whole run now. */
  taskFinished(run: RunContext, task: TaskRow): ErrorInfo | undefined;
  timer?(run: RunContext, name: string): void;
  settle(run: RunContext): Settlement;
  /** `POST /v1/runs/{run_id}/messages`, for patterns with a flow. */
  sendMessage?(run: RunContext, caller: Caller, input: MessageInput): Answer<MessageView[]> | undefined;
  /** `POST /v1/runs/{run_id}/delegate`, for hierarchical patterns. */
  delegate?(run: RunContext, caller: Caller, input: { worker: string; input: Json }): Answer<TaskView> | undefined;
}
