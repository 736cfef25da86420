import type { TaskFields } from "../agent/inbox-types";
import type { RunRecord as RunRegistryRow, TaskRecord } from "./effects";
import type { MessageRow } from "./message-store";
import type { RunRow } from "./run-record";
import type { MessageView, RunView, TaskView } from "./run-types";
import type { SpanRow } from "./span-store";
import type { TaskRow } from "./task-store";

// The run's rows as the contract shows them: times as ISO text, nothing internal.

export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Which task of which run, for which agent's version: the head of every projection of a task. */
const identity = (run: RunRow, task: TaskRow) => ({ task_id: task.task_id, run_id: run.run_id, workflow: run.workflow, agent_id: task.agent_id, version: task.version });

const times = (task: TaskRow) => ({
  created_at: iso(task.created_at),
  started_at: isoOrNull(task.started_at),
  completed_at: isoOrNull(task.completed_at),
  deadline: iso(task.deadline),
});

export function taskView(run: RunRow, task: TaskRow): TaskView {
  const ab = run.agents[task.agent_id]?.ab;
  return {
    ...identity(run, task),
    status: task.status,
    input: task.input,
    output: task.output,
    error: task.error,
    attempt: task.attempt,
    usage: task.usage,
    ...times(task),
    ...(ab ? { ab } : {}),
    feedback: task.feedback ? { ...task.feedback, at: iso(task.feedback.at) } : null,
  };
}

export function runView(run: RunRow, tasks: TaskRow[]): RunView {
  return {
    run_id: run.run_id,
    workflow: run.workflow,
    revision: run.revision,
    status: run.status,
    input: run.input,
    output: run.output,
    error: run.error,
    agents: pinnedVersions(run),
    trigger: run.trigger,
    tasks: tasks.map((t) => taskView(run, t)),
    started_at: iso(run.started_at),
    ended_at: isoOrNull(run.ended_at),
  };
}

export const pinnedVersions = (run: RunRow): Record<string, string> =>
  Object.fromEntries(Object.entries(run.agents).map(([name, pinned]) => [name, pinned.version]));

/** The inbox item (or endpoint payload) that hands a task to its agent. */
export function taskFields(run: RunRow, task: TaskRow): TaskFields {
  const ab = run.agents[task.agent_id]?.ab;
  return {
    ...identity(run, task),
    input: task.input,
    attempt: task.attempt,
    deadline: iso(task.deadline),
    created_at: iso(task.created_at),
    ...(ab ? { ab } : {}),
  };
}

export function taskRecord(run: RunRow, task: TaskRow): TaskRecord {
  const ab = run.agents[task.agent_id]?.ab;
  return {
    ...identity(run, task),
    status: task.status,
    attempt: task.attempt,
    ...times(task),
    error_code: task.error?.code ?? null,
    tokens_in: task.usage?.tokens_in ?? null,
    tokens_out: task.usage?.tokens_out ?? null,
    ab_test_id: ab?.ab_test_id ?? null,
    ab_arm: ab?.arm ?? null,
    rating: task.feedback?.rating ?? null,
    rev: task.changed,
  };
}

export function runRecord(run: RunRow): RunRegistryRow {
  return {
    run_id: run.run_id,
    workflow: run.workflow,
    revision: run.revision,
    status: run.status,
    trigger_type: run.trigger.type,
    trigger: run.trigger,
    agents: pinnedVersions(run),
    error: run.error,
    started_by: run.started_by,
    started_at: iso(run.started_at),
    ended_at: isoOrNull(run.ended_at),
    mode: run.mode,
  };
}

/** A span as the trace shows it: ISO times, its parent, and the spans it depended on. */
export function spanView(span: SpanRow) {
  return {
    span_id: span.span_id,
    parent_span_id: span.parent_span_id,
    kind: span.kind,
    name: span.name,
    agent_id: span.agent_id,
    version: span.version,
    started_at: iso(span.started_at),
    ended_at: isoOrNull(span.ended_at),
    status: span.status,
    attributes: span.attributes,
    links: span.links,
  };
}

export type SpanView = ReturnType<typeof spanView>;

export function messageView(run: RunRow, message: MessageRow): MessageView {
  return {
    message_id: message.message_id,
    run_id: run.run_id,
    from: message.from_agent,
    to: message.to_agent,
    schema: message.schema,
    body: message.body,
    sent_at: iso(message.sent_at),
    from_task_id: message.from_task_id,
    to_task_id: message.to_task_id,
  };
}
