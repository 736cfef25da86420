import type { Json } from "../../src/workflows/definition/types";
import type { ErrorInfo, TaskStatus, Usage } from "./run-types";

/** Why a task exists: the run's start, a message, a delegation, the join, an event, or the keys it read. */
export type TaskCause =
  | { kind: "start" }
  | { kind: "message"; message_id: string; from: string }
  | { kind: "delegation"; by: string }
  | { kind: "join"; worker_task_ids: string[] }
  | { kind: "event"; event_id: string }
  | { kind: "state"; keys: string[] }
  | { kind: "retry"; task_id: string };

/** What a task does in its pattern: a worker's task, the supervisor's synthesis, a step of the flow, … */
export type TaskRole = "start" | "message" | "worker" | "delegation" | "synthesis" | "event" | "state";

export interface TaskRow {
  seq: number;
  task_id: string;
  agent_id: string;
  version: string;
  role: TaskRole;
  /** Indexes in the definition's `coordination` list of the patterns this task belongs to. */
  patterns: number[];
  status: TaskStatus;
  input: Json;
  output: Json | null;
  error: ErrorInfo | null;
  attempt: number;
  retry_of: string | null;
  usage: Usage | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  deadline: number;
  cause: TaskCause;
  span_id: string;
  feedback: { rating: "up" | "down"; comment: string | null; at: number } | null;
  changed: number;
}

type StoredTask = Omit<TaskRow, "patterns" | "input" | "output" | "error" | "usage" | "cause" | "feedback" | "role" | "status"> & {
  role: string;
  status: string;
  patterns: string;
  input: string;
  output: string | null;
  error: string | null;
  usage: string | null;
  cause: string;
  feedback: string | null;
};

const COLUMNS = "seq, task_id, agent_id, version, role, patterns, status, input, output, error, attempt, retry_of, usage, created_at, started_at, completed_at, deadline, cause, span_id, feedback, changed";

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function fromStored(row: StoredTask): TaskRow {
  return {
    ...row,
    role: row.role as TaskRole,
    status: row.status as TaskStatus,
    patterns: JSON.parse(row.patterns) as number[],
    input: JSON.parse(row.input) as Json,
    output: parse<Json>(row.output),
    error: parse<ErrorInfo>(row.error),
    usage: parse<Usage>(row.usage),
    cause: JSON.parse(row.cause) as TaskCause,
    feedback: parse<TaskRow["feedback"]>(row.feedback),
  };
}

/** The run's tasks, every attempt of each, in its own SQLite. */
export class TaskStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(task: Omit<TaskRow, "seq" | "changed">): void {
    this.sql.exec(
      `INSERT INTO tasks (task_id, agent_id, version, role, patterns, status, input, output, error, attempt, retry_of, usage,
         created_at, started_at, completed_at, deadline, cause, span_id, feedback, changed)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, NULL, ?, NULL, NULL, ?, ?, ?, NULL, 1)`,
      task.task_id,
      task.agent_id,
      task.version,
      task.role,
      JSON.stringify(task.patterns),
      task.status,
      JSON.stringify(task.input),
      task.attempt,
      task.retry_of,
      task.created_at,
      task.deadline,
      JSON.stringify(task.cause),
      task.span_id,
    );
  }

  get(taskId: string): TaskRow | null {
    const row = this.sql.exec<StoredTask>(`SELECT ${COLUMNS} FROM tasks WHERE task_id = ?`, taskId).toArray()[0];
    return row ? fromStored(row) : null;
  }

  all(): TaskRow[] {
    return this.sql.exec<StoredTask>(`SELECT ${COLUMNS} FROM tasks ORDER BY seq`).toArray().map(fromStored);
  }

  open(): TaskRow[] {
    return this.sql.exec<StoredTask>(`SELECT ${COLUMNS} FROM tasks WHERE status IN ('pending', 'running') ORDER BY seq`).toArray().map(fromStored);
  }

  openCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE status IN ('pending', 'running')").one().n;
  }

  /** Open tasks with one of these roles in a pattern (by its index in `coordination`). */
  openCountIn(pattern: number, roles: readonly TaskRole[]): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM tasks WHERE status IN ('pending', 'running') AND role IN (SELECT value FROM json_each(?))
         AND EXISTS (SELECT 1 FROM json_each(patterns) WHERE value = ?)`,
        JSON.stringify(roles),
        pattern,
      )
      .one().n;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tasks").one().n;
  }

  /** Open tasks whose deadline has passed, earliest first. */
  due(nowMs: number): TaskRow[] {
    return this.sql
      .exec<StoredTask>(`SELECT ${COLUMNS} FROM tasks WHERE status IN ('pending', 'running') AND deadline <= ? ORDER BY deadline, seq`, nowMs)
      .toArray()
      .map(fromStored);
  }

  earliestDeadline(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(deadline) AS at FROM tasks WHERE status IN ('pending', 'running')").one().at;
  }

  /** The latest attempt of each task an agent was given in this run, in creation order. */
  ofAgent(agentId: string): TaskRow[] {
    return this.sql.exec<StoredTask>(`SELECT ${COLUMNS} FROM tasks WHERE agent_id = ? ORDER BY seq`, agentId).toArray().map(fromStored);
  }

  markStarted(taskId: string, atMs: number): boolean {
    return (
      this.sql.exec("UPDATE tasks SET status = 'running', started_at = ?, changed = changed + 1 WHERE task_id = ? AND status = 'pending'", atMs, taskId)
        .rowsWritten > 0
    );
  }

  /** A task completed without a recorded hand-out counts from its creation. */
  markStartedAt(taskId: string, atMs: number): void {
    this.sql.exec("UPDATE tasks SET started_at = ? WHERE task_id = ? AND started_at IS NULL", atMs, taskId);
  }

  finish(taskId: string, status: TaskStatus, fields: { output?: Json | null; error?: ErrorInfo | null; usage?: Usage | null; atMs: number }): void {
    this.sql.exec(
      `UPDATE tasks SET status = ?, output = ?, error = ?, usage = COALESCE(?, usage), completed_at = ?, changed = changed + 1 WHERE task_id = ?`,
      status,
      fields.output === undefined || fields.output === null ? null : JSON.stringify(fields.output),
      fields.error ? JSON.stringify(fields.error) : null,
      fields.usage ? JSON.stringify(fields.usage) : null,
      fields.atMs,
      taskId,
    );
  }

  extendDeadline(taskId: string, deadline: number): void {
    this.sql.exec("UPDATE tasks SET deadline = ?, changed = changed + 1 WHERE task_id = ?", deadline, taskId);
  }

  addPattern(taskId: string, patterns: number[]): void {
    this.sql.exec("UPDATE tasks SET patterns = ? WHERE task_id = ?", JSON.stringify(patterns), taskId);
  }

  setFeedback(taskId: string, feedback: NonNullable<TaskRow["feedback"]>): void {
    this.sql.exec("UPDATE tasks SET feedback = ?, changed = changed + 1 WHERE task_id = ?", JSON.stringify(feedback), taskId);
  }
}
