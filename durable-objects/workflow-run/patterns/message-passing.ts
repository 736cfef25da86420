import type { Json, MessagePassingPattern } from "../../../src/workflows/definition/types";
import { type Answer, type Caller, type ErrorInfo, type MessageInput, type MessageView, type Refusal, answer, refuse } from "../run-types";
import type { TaskRow } from "../task-store";
import { messageView } from "../views";
import type { OutputIssue, PatternLogic, RunContext, Settlement } from "./pattern";
import { taskFailure } from "./task-failure";

type Edge = MessagePassingPattern["flow"][number];

const encoder = new TextEncoder();

/**
 * Message-passing: agents that are no edge's `to` start with the run's input; a completed task's output
 * travels along each outgoing edge as a message (checked against the edge's schema) and becomes the
 * input of a new task for the recipient, one task per message. Cycles are bounded by max_tasks_per_run.
 * The run succeeds when nothing is open; its output is the last output of each agent with no outgoing edge.
 */
export class MessagePassing implements PatternLogic {
  private readonly agents: string[];

  constructor(
    private readonly pattern: MessagePassingPattern,
    readonly index: number,
  ) {
    this.agents = [...new Set(pattern.flow.flatMap((e) => [e.from, e.to]))];
  }

  private outgoing(agent: string): Edge[] {
    return this.pattern.flow.filter((e) => e.from === agent);
  }

  start(run: RunContext): void {
    const targets = new Set(this.pattern.flow.map((e) => e.to));
    for (const agent of this.agents.filter((a) => !targets.has(a))) run.startAgent(agent, run.run().input, this.index, "start", { kind: "start" });
  }

  checkOutput(run: RunContext, task: TaskRow, output: Json): OutputIssue[] {
    for (const edge of this.outgoing(task.agent_id)) {
      const issues = run.schemaIssues(edge.message.schema, output);
      if (issues.length > 0)
        return issues.map((i) => ({ ...i, against: `the schema '${edge.message.schema}' of the edge ${edge.from} -> ${edge.to}`, edge: { from: edge.from, to: edge.to, schema: edge.message.schema } }));
    }
    return [];
  }

  taskFinished(run: RunContext, task: TaskRow): ErrorInfo | undefined {
    if (task.status !== "succeeded") return taskFailure(task);
    for (const edge of this.outgoing(task.agent_id)) {
      const refused = this.send(run, task.agent_id, task, edge, task.output);
      if (refused) return { code: refused.error.code === "payload_too_large" ? "guard_rail" : "message_refused", message: refused.error.message };
      if (run.run().status !== "running") return undefined;
    }
    return undefined;
  }

  settle(run: RunContext): Settlement {
    const sinks = this.agents.filter((a) => this.outgoing(a).length === 0);
    const output: Record<string, Json> = {};
    for (const agent of sinks) {
      const last = run.tasks.ofAgent(agent).filter((t) => t.status === "succeeded" && t.patterns.includes(this.index)).at(-1);
      if (last) output[agent] = last.output;
    }
    return { status: "succeeded", output };
  }

  /** An explicit send as the calling agent: along the edge to `to`, or every outgoing edge with that schema. */
  sendMessage(run: RunContext, caller: Caller, input: MessageInput): Answer<MessageView[]> | undefined {
    const sender = caller.agent_id;
    const edges = this.outgoing(sender).filter((e) => e.message.schema === input.schema && (input.to === undefined || e.to === input.to));
    if (edges.length === 0) {
      const declared = this.outgoing(sender).map((e) => `${e.to} (${e.message.schema ?? "no schema"})`);
      return refuse(
        "forbidden",
        `${sender} may not send '${input.schema}'${input.to ? ` to ${input.to}` : ""}: it is off the declared flow (${declared.length > 0 ? `its edges: ${declared.join(", ")}` : `${sender} has no outgoing edge`}).`,
        { action: "workflow:run", resource: `workflow:${run.run().workflow}`, reason: "off the declared flow" },
      );
    }
    const issues = run.schemaIssues(input.schema, input.body);
    if (issues.length > 0)
      return refuse("invalid_request", `The message body does not match the schema '${input.schema}': ${issues[0]!.path || "(body)"} ${issues[0]!.message}.`, {
        issues: issues.map((i) => ({ path: `body${i.path.replaceAll("/", ".")}`, message: i.message })),
      });
    const fromTask = run.tasks.ofAgent(sender).filter((t) => t.patterns.includes(this.index)).at(-1) ?? null;
    const sent: MessageView[] = [];
    for (const edge of edges) {
      const refused = this.send(run, sender, fromTask, edge, input.body, caller);
      if (refused) return refused;
      const message = run.messages.all().at(-1);
      if (message) sent.push(messageView(run.run(), message));
    }
    return answer(sent);
  }

  /** Records a message and gives its recipient a task with the body as input. */
  private send(run: RunContext, from: string, fromTask: TaskRow | null, edge: Edge, body: Json, caller?: Caller): Refusal | undefined {
    const limit = run.run().limits.max_message_bytes;
    const bytes = encoder.encode(JSON.stringify(body)).byteLength;
    if (limit !== null && bytes > limit)
      return refuse("payload_too_large", `The message from ${from} to ${edge.to} is ${bytes} bytes; this run allows at most ${limit} (max_message_bytes).`, {
        rule: "max_message_bytes",
        limit,
        size_bytes: bytes,
      });
    const messageId = `msg_${run.newSpanId().slice("spn_".length)}`;
    const spanId = run.newSpanId();
    run.spans.open({
      span_id: spanId,
      parent_span_id: fromTask?.span_id ?? run.run().span_id,
      kind: "message",
      name: `message ${from} -> ${edge.to}`,
      agent_id: from,
      version: fromTask?.version ?? null,
      started_at: run.now,
      ended_at: run.now,
      attributes: { message_id: messageId, to: edge.to, schema: edge.message.schema, bytes },
      links: fromTask ? [{ span_id: fromTask.span_id, kind: "sender" }] : [],
    });
    const task = run.createTask(edge.to, body, this.index, "message", { kind: "message", message_id: messageId, from }, [{ span_id: spanId, kind: "message" }]);
    run.messages.insert({
      message_id: messageId,
      from_agent: from,
      to_agent: edge.to,
      schema: edge.message.schema,
      body,
      sent_at: run.now,
      from_task_id: fromTask?.task_id ?? null,
      to_task_id: task?.task_id ?? null,
      span_id: spanId,
    });
    if (caller) run.audit("workflow:message", `workflow:${run.run().workflow}`, caller, { message_id: messageId, from, to: edge.to, schema: edge.message.schema });
    return undefined;
  }
}
