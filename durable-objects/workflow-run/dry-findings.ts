import type { Json } from "../../src/workflows/definition/types";
import type { DriverNote } from "./dry-run";
import type { RunEngine } from "./engine";

/** What a dry run found would go wrong (or decide the outcome), with what caused it. */
export interface Finding {
  kind:
    | "stalled"
    | "output_off_schema"
    | "never_started"
    | "guard_rail"
    | "max_tasks_per_run"
    | "join_timeout"
    | "event_unmatched"
    | "task_failed"
    | "task_timed_out"
    | "unscripted_agent"
    | "step_limit";
  severity: "error" | "warning" | "info";
  message: string;
  agent?: string;
  keys?: string[];
  edge?: { from: string; to: string; schema: string | null };
  schema?: string;
  filter?: string;
  details?: Json;
}

const definedAgents = (engine: RunEngine) => engine.run().definition.agents.map((a) => a.name);

/** The findings of a finished dry run, from the engine's own records and the driver's notes. */
export function dryRunFindings(engine: RunEngine, notes: readonly DriverNote[], stopped: "ended" | "step_limit", extra: Finding[] = []): Finding[] {
  const run = engine.run();
  const tasks = engine.tasks.all();
  const findings: Finding[] = [...extra];

  for (const note of notes) {
    if (note.kind === "unscripted_agent")
      findings.push({ kind: "unscripted_agent", severity: "info", agent: note.agent, message: `${note.agent} had no script; it answered null.` });
    else findings.push(outputOffSchema(note));
  }

  const error = run.error;
  if (error?.code === "stalled") {
    for (const waiting of (error.waiting ?? []) as { agent: string; missing_keys: string[] }[])
      findings.push({
        kind: "stalled",
        severity: "error",
        agent: waiting.agent,
        keys: waiting.missing_keys,
        message: `${waiting.agent} waited for ${waiting.missing_keys.map((k) => `'${k}'`).join(", ")}, which no agent wrote: the run stalled.`,
      });
  }
  if (error?.code === "max_tasks_per_run") {
    const counts = new Map<string, number>();
    for (const t of tasks) counts.set(t.agent_id, (counts.get(t.agent_id) ?? 0) + 1);
    const looping = [...counts].filter(([, n]) => n > 1).map(([agent]) => agent);
    findings.push({
      kind: "max_tasks_per_run",
      severity: "error",
      message: `A cycle reached max_tasks_per_run (${run.limits.max_tasks_per_run}): ${looping.join(" and ")} kept handing work to each other.`,
      details: { limit: run.limits.max_tasks_per_run, agents: looping },
    });
  }

  for (const [index, pattern] of run.definition.coordination.entries()) {
    if (pattern.pattern !== "hierarchical") continue;
    const joined = engine.marks.get(`joined:${index}`);
    if ((joined?.detail as { decided_by?: string } | null)?.decided_by !== "timeout") continue;
    const late = tasks.filter((t) => t.error?.code === "join_timeout").map((t) => t.agent_id);
    findings.push({
      kind: "join_timeout",
      severity: "warning",
      agent: pattern.supervisor,
      message: `The join was decided by its timeout (${pattern.aggregation.timeout_seconds} s): ${late.join(", ")} had not finished and went to the synthesis as timed_out.`,
      details: { timeout_seconds: pattern.aggregation.timeout_seconds, timed_out: late },
    });
  }

  for (const task of tasks) {
    if (task.error?.code === "guard_rail")
      findings.push({ kind: "guard_rail", severity: "error", agent: task.agent_id, message: `A guard rail refused ${task.agent_id}'s task: ${task.error.message}`, details: task.error });
    else if (task.status === "timed_out" && task.error?.code === "deadline_exceeded" && task.retry_of === null && !tasks.some((t) => t.retry_of === task.task_id))
      findings.push({ kind: "task_timed_out", severity: "error", agent: task.agent_id, message: `${task.agent_id} never answered: ${task.error.message}` });
    else if (task.status === "failed" && task.error?.code !== "invalid_output")
      findings.push({ kind: "task_failed", severity: "error", agent: task.agent_id, message: `${task.agent_id}'s task failed: ${task.error?.message ?? "no reason given"}`, details: task.error });
  }
  const retriesExhausted = tasks.filter((t) => t.status === "timed_out" && t.retry_of !== null && !tasks.some((r) => r.retry_of === t.task_id));
  for (const task of retriesExhausted)
    findings.push({ kind: "task_timed_out", severity: "error", agent: task.agent_id, message: `${task.agent_id} never answered, in ${task.attempt} attempts.` });

  const started = new Set(tasks.map((t) => t.agent_id));
  for (const agent of definedAgents(engine))
    if (!started.has(agent) && !findings.some((f) => f.kind === "stalled" && f.agent === agent))
      findings.push({ kind: "never_started", severity: "warning", agent, message: `${agent} was never started in this run.` });

  if (stopped === "step_limit") findings.push({ kind: "step_limit", severity: "error", message: "The dry run stopped after 10,000 steps without the run ending." });
  return findings;
}

function outputOffSchema(note: Extract<DriverNote, { kind: "output_refused" }>): Finding {
  type Issue = { path: string; message: string; against?: string; edge?: { from: string; to: string; schema: string | null } };
  const issues = (note.details as { issues?: Issue[] } | null)?.issues ?? [];
  const edge = issues[0]?.edge;
  return {
    kind: "output_off_schema",
    severity: "error",
    agent: note.agent,
    message: note.message,
    ...(edge ? { edge, ...(edge.schema ? { schema: edge.schema } : {}) } : {}),
    details: { task_id: note.task_id, issues: issues as unknown as Json },
  };
}
