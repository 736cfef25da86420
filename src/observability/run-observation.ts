import type { SpanRow } from "../../durable-objects/workflow-run/span-store";
import type { TaskRow } from "../../durable-objects/workflow-run/task-store";
import type { WorkflowDefinition } from "../workflows/definition/types";
import { criticalPath } from "./critical-path";

// What one finished run contributes to its workflow's dependency graph and bottleneck report, computed
// once, when the run ends, from what the run recorded (its tasks and its trace). Reading the graph or
// the bottlenecks then adds these rows up; no run is ever replayed to answer.

export type EdgeKind = "message" | "state" | "delegation" | "event";

export interface ObservedEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  count: number;
}

export interface AgentObservation {
  agent: string;
  versions: string[];
  /** Every attempt counts as a task. */
  tasks: number;
  /** Attempts after the first (a retry after a missed deadline). */
  retries: number;
  timeouts: number;
  failures: number;
  /** This agent's share of the run's critical path. */
  critical_path_ms: number;
}

export interface RunObservation {
  run_id: string;
  workflow: string;
  revision: number;
  status: string;
  started_at: string;
  ended_at: string;
  critical_path_ms: number;
  /** The critical path's task spans, first to last. */
  critical_path: string[];
  agents: AgentObservation[];
  /** From a task's creation (its agent could take it) to its end, for the tasks that ended by themselves. */
  durations: { task_id: string; agent: string; ms: number }[];
  edges: ObservedEdge[];
}

export interface ObservedRun {
  run_id: string;
  workflow: string;
  revision: number;
  status: string;
  started_at: number;
  ended_at: number;
  definition: WorkflowDefinition;
  /** The type of the event that started the run, if one did. */
  event_type: string | null;
}

/** An edge's source for the event-driven pattern: the event type, named so it cannot clash with an agent. */
export const eventSource = (type: string) => `event:${type}`;

const ENDED_BY_ITSELF = new Set(["succeeded", "failed", "timed_out"]);

/** The observed edges of a run: its messages, delegations, event deliveries and state lineage. */
export function observedEdges(run: ObservedRun, tasks: readonly TaskRow[], spans: readonly SpanRow[]): ObservedEdge[] {
  const counts = new Map<string, ObservedEdge>();
  const add = (from: string, to: string, kind: EdgeKind) => {
    if (from === to && kind === "state") return; // reading one's own write is no dependency between agents
    const key = JSON.stringify([from, to, kind]);
    const edge = counts.get(key);
    if (edge) edge.count++;
    else counts.set(key, { from, to, kind, count: 1 });
  };
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  for (const span of spans) {
    if (span.kind === "message" && span.agent_id !== null && typeof span.attributes.to === "string") add(span.agent_id, span.attributes.to, "message");
    // State lineage: a reader's task started by writes (its links), or an explicit read (a state_read span),
    // names the write it used; the write's span names its writer.
    if ((span.kind === "task" || span.kind === "synthesis" || span.kind === "state_read") && span.agent_id !== null)
      for (const link of span.links) {
        if (link.kind !== "state") continue;
        const write = byId.get(link.span_id);
        if (write?.kind === "state_write" && write.agent_id !== null) add(write.agent_id, span.agent_id, "state");
      }
  }
  for (const task of tasks) {
    // A retry is the same piece of work again: the first attempt alone counts as a delegation or an event delivery.
    if (task.attempt !== 1) continue;
    if (task.role === "worker" || task.role === "delegation") {
      const pattern = run.definition.coordination[task.patterns[0] ?? -1];
      if (pattern?.pattern === "hierarchical") add(pattern.supervisor, task.agent_id, "delegation");
    }
    if (task.role === "event" && run.event_type !== null) add(eventSource(run.event_type), task.agent_id, "event");
  }
  return [...counts.values()];
}

/** Everything the run contributes, from its tasks and its trace. */
export function observeRun(run: ObservedRun, tasks: readonly TaskRow[], spans: readonly SpanRow[]): RunObservation {
  const path = criticalPath(spans, run.ended_at);
  const agents = new Map<string, AgentObservation & { versionSet: Set<string> }>();
  for (const task of tasks) {
    let agent = agents.get(task.agent_id);
    if (!agent) {
      agent = { agent: task.agent_id, versions: [], versionSet: new Set(), tasks: 0, retries: 0, timeouts: 0, failures: 0, critical_path_ms: 0 };
      agents.set(task.agent_id, agent);
    }
    agent.versionSet.add(task.version);
    agent.tasks++;
    if (task.attempt > 1) agent.retries++;
    if (task.status === "timed_out") agent.timeouts++;
    if (task.status === "failed") agent.failures++;
  }
  for (const [agent, ms] of Object.entries(path.by_agent)) {
    const entry = agents.get(agent);
    if (entry) entry.critical_path_ms += ms;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    run_id: run.run_id,
    workflow: run.workflow,
    revision: run.revision,
    status: run.status,
    started_at: iso(run.started_at),
    ended_at: iso(run.ended_at),
    critical_path_ms: path.total_ms,
    critical_path: path.span_ids,
    agents: [...agents.values()].map(({ versionSet, ...a }) => ({ ...a, versions: [...versionSet].sort() })),
    durations: tasks
      .filter((t) => ENDED_BY_ITSELF.has(t.status) && t.completed_at !== null)
      .map((t) => ({ task_id: t.task_id, agent: t.agent_id, ms: Math.max(0, (t.completed_at as number) - t.created_at) })),
    edges: observedEdges(run, tasks, spans),
  };
}
