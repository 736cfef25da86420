import type { Json } from "../../src/workflows/definition/types";
import type { RunEngine } from "./engine";
import { type Answer, type Caller, type MessageInput, type MessageView, type RunView, type TaskView, answer, refuse } from "./run-types";
import { runView } from "./views";

// What callers do to a whole run: cancel it, send a message along its flow, delegate work to a worker.

const notRunning = (engine: RunEngine) => refuse("conflict", `Run '${engine.run().run_id}' is ${engine.run().status}: it takes no more messages, delegations or changes.`, { status: engine.run().status });

export function cancelRun(engine: RunEngine, caller: Caller, reason: string | undefined): Answer<RunView> {
  if (!engine.exists()) return refuse("not_found", "No such run.");
  if (!engine.running()) return notRunning(engine);
  engine.audit("workflow:cancel", `workflow:${engine.run().workflow}`, caller, { reason: reason ?? null });
  engine.endRun("cancelled", null, { code: "cancelled", message: `Cancelled by ${caller.agent_id}${reason ? `: ${reason}` : ""}.` });
  return answer(runView(engine.run(), engine.tasks.all()));
}

/** `POST /v1/runs/{run_id}/messages`: the first message-passing pattern whose flow allows it takes it. */
export function sendRunMessage(engine: RunEngine, caller: Caller, input: MessageInput): Answer<MessageView[]> {
  if (!engine.exists()) return refuse("not_found", "No such run.");
  if (!engine.running()) return notRunning(engine);
  let refusal: Answer<MessageView[]> | undefined;
  for (const pattern of engine.patterns()) {
    const answer = pattern.sendMessage?.(engine, caller, input);
    if (!answer) continue;
    if (answer.ok) return answer;
    refusal ??= answer;
  }
  return refusal ?? refuse("invalid_request", "This run has no message-passing flow to send along.");
}

/** `POST /v1/runs/{run_id}/delegate`: for the run's hierarchical pattern. */
export function delegateTask(engine: RunEngine, caller: Caller, request: { worker: string; input: Json }): Answer<TaskView> {
  if (!engine.exists()) return refuse("not_found", "No such run.");
  if (!engine.running()) return notRunning(engine);
  for (const pattern of engine.patterns()) {
    const answer = pattern.delegate?.(engine, caller, request);
    if (answer) return answer;
  }
  return refuse("invalid_request", "This run has no hierarchical pattern: there is no supervisor to delegate for.");
}
