import type { EventDrivenPattern, Json } from "../../../src/workflows/definition/types";
import type { ErrorInfo } from "../run-types";
import type { TaskRow } from "../task-store";
import type { PatternLogic, RunContext, Settlement } from "./pattern";
import { taskFailure } from "./task-failure";

/**
 * Event-driven: the event that started the run gives every agent of each matching entry a task whose
 * input is the event. Which entries matched was decided when the event arrived (filters and all) and
 * travels with the run's start. The run succeeds when all its tasks succeed; output `{agent: output}`.
 */
export class EventDriven implements PatternLogic {
  constructor(
    private readonly pattern: EventDrivenPattern,
    readonly index: number,
  ) {}

  start(run: RunContext): void {
    const { event, matched } = run.run();
    if (!event) return;
    const entries = matched[String(this.index)] ?? this.pattern.events.map((e, i) => (e.type === event.type ? i : -1)).filter((i) => i >= 0);
    const input: Json = { event_id: event.event_id, type: event.type, source: event.source, data: event.data, time: event.time };
    const eventSpan = run.spans.firstOf("event");
    const links = eventSpan === null ? [] : [{ span_id: eventSpan, kind: "event" }];
    for (const entry of entries)
      for (const agent of this.pattern.events[entry]?.agents ?? []) run.startAgent(agent, input, this.index, "event", { kind: "event", event_id: event.event_id }, links);
  }

  taskFinished(_run: RunContext, task: TaskRow): ErrorInfo | undefined {
    return task.status === "succeeded" ? undefined : taskFailure(task);
  }

  settle(run: RunContext): Settlement {
    const output: Record<string, Json> = {};
    for (const task of run.tasks.all()) if (task.patterns.includes(this.index) && task.status === "succeeded") output[task.agent_id] = task.output;
    return { status: "succeeded", output };
  }
}
