import type { Json, WorkflowDefinition } from "../../src/workflows/definition/types";
import type { ErrorInfo, PinnedAgent, RunEvent, RunInit, RunLimits, RunStatus, RunTrigger } from "./run-types";

/** The run itself: what it pinned at its start, and where it stands. */
export interface RunRow {
  run_id: string;
  workflow: string;
  revision: number;
  definition: WorkflowDefinition;
  agents: Record<string, PinnedAgent>;
  limits: RunLimits;
  status: RunStatus;
  input: Json;
  output: Json | null;
  error: ErrorInfo | null;
  trigger: RunTrigger;
  event: RunEvent | null;
  matched: Record<string, number[]>;
  branches: Record<string, string>;
  started_by: string;
  started_at: number;
  ended_at: number | null;
  span_id: string;
  mode: "live" | "dry";
}

type StoredRun = { [K in keyof RunRow]: RunRow[K] extends number | string | null ? RunRow[K] : string | null };

/** The single `run` row, read once and then kept in memory (the object is its only writer). */
export class RunRecord {
  private cached: RunRow | null | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(): RunRow | null {
    if (this.cached !== undefined) return this.cached;
    const row = this.sql
      .exec<StoredRun>(
        `SELECT run_id, workflow, revision, definition, agents, limits, status, input, output, error, trigger, event, matched, branches,
           started_by, started_at, ended_at, span_id, mode FROM run WHERE id = 1`,
      )
      .toArray()[0];
    this.cached = row
      ? {
          ...row,
          definition: JSON.parse(row.definition as string) as WorkflowDefinition,
          agents: JSON.parse(row.agents as string) as Record<string, PinnedAgent>,
          limits: JSON.parse(row.limits as string) as RunLimits,
          input: JSON.parse(row.input as string) as Json,
          output: row.output === null ? null : (JSON.parse(row.output as string) as Json),
          error: row.error === null ? null : (JSON.parse(row.error as string) as ErrorInfo),
          trigger: JSON.parse(row.trigger as string) as RunTrigger,
          event: row.event === null ? null : (JSON.parse(row.event as string) as RunEvent),
          matched: JSON.parse(row.matched as string) as Record<string, number[]>,
          branches: JSON.parse(row.branches as string) as Record<string, string>,
          status: row.status as RunStatus,
          mode: row.mode as "live" | "dry",
        }
      : null;
    return this.cached;
  }

  insert(init: RunInit, startedAt: number, spanId: string, mode: "live" | "dry"): void {
    this.sql.exec(
      `INSERT INTO run (id, run_id, workflow, revision, definition, agents, limits, status, input, trigger, event, matched, branches, started_by, started_at, span_id, mode)
       VALUES (1, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      init.run_id,
      init.workflow,
      init.revision,
      JSON.stringify(init.definition),
      JSON.stringify(init.agents),
      JSON.stringify(init.limits),
      JSON.stringify(init.input),
      JSON.stringify(init.trigger),
      init.event ? JSON.stringify(init.event) : null,
      JSON.stringify(init.matched ?? {}),
      JSON.stringify(init.branches),
      init.started_by,
      startedAt,
      spanId,
      mode,
    );
    this.cached = undefined;
  }

  end(status: RunStatus, output: Json | null, error: ErrorInfo | null, atMs: number): void {
    this.sql.exec(
      "UPDATE run SET status = ?, output = ?, error = ?, ended_at = ? WHERE id = 1",
      status,
      output === null ? null : JSON.stringify(output),
      error ? JSON.stringify(error) : null,
      atMs,
    );
    this.cached = undefined;
  }

  /** The next task number of this run (task ids carry the run's id and this number). */
  nextTaskNumber(): number {
    return this.sql.exec<{ n: number }>("UPDATE run SET next_task = next_task + 1 WHERE id = 1 RETURNING next_task AS n").one().n;
  }

  /** Forgets the in-memory copy (after the storage was wiped). */
  reset(): void {
    this.cached = undefined;
  }
}

/** Named deadlines besides the tasks' own: a hierarchical join, the run's `max_run_seconds`. */
export class Timers {
  constructor(private readonly sql: SqlStorage) {}

  set(name: string, atMs: number): void {
    this.sql.exec("INSERT OR REPLACE INTO timers (name, at) VALUES (?, ?)", name, atMs);
  }

  clear(name: string): void {
    this.sql.exec("DELETE FROM timers WHERE name = ?", name);
  }

  clearAll(): void {
    this.sql.exec("DELETE FROM timers");
  }

  due(nowMs: number): { name: string; at: number }[] {
    return this.sql.exec<{ name: string; at: number }>("SELECT name, at FROM timers WHERE at <= ? ORDER BY at, name", nowMs).toArray();
  }

  earliest(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM timers").one().at;
  }
}

/** Facts a pattern records about its progress, once each: `joined:0` → `{decided_by: "timeout"}`. */
export class Marks {
  constructor(private readonly sql: SqlStorage) {}

  set(name: string, atMs: number, detail: Json): void {
    this.sql.exec("INSERT OR IGNORE INTO marks (name, at, detail) VALUES (?, ?, ?)", name, atMs, JSON.stringify(detail));
  }

  get(name: string): { at: number; detail: Json } | null {
    const row = this.sql.exec<{ at: number; detail: string }>("SELECT at, detail FROM marks WHERE name = ?", name).toArray()[0];
    return row ? { at: row.at, detail: JSON.parse(row.detail) as Json } : null;
  }
}
