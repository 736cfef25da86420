import type { Json } from "../../src/workflows/definition/types";
import { type EngineStorage, RunEngine } from "./engine";
import { Hierarchical } from "./patterns/hierarchical";
import type { Caller, Completion, RunInit, Usage } from "./run-types";
import { RefusedChange } from "./state-actions";
import { completeTask } from "./task-actions";
import type { TaskRow } from "./task-store";

// A dry run: the real engine on a virtual clock, with scripted agents instead of inboxes. Time jumps from
// one event to the next (a scripted answer, a deadline, a join's timeout), so a 300 s timeout costs no wall
// time, and the order of events is exactly the real one. Nothing leaves the run: the outbox's deliveries
// become scripted answers, its registry, audit and branch effects are dropped.

/** How a scripted agent answers its tasks. */
export interface AgentScript {
  /** Answers in order, the last one repeated. */
  outputs?: Json[];
  /** The same answer every time. */
  output?: Json;
  /** Fail every task (with this error, if given). */
  fail?: boolean | { code?: string; message?: string };
  /** Take tasks and never answer: deadlines, retries and joins decide. */
  never_answer?: boolean;
  /** Virtual seconds between a task's hand-out and its answer (default 1). */
  delay_seconds?: number;
  /** Shared-state keys written with each completion. */
  state?: Record<string, Json>;
  usage?: Usage;
}

/** Something the driver saw that the findings report (the engine's own records say the rest). */
export type DriverNote =
  | { kind: "output_refused"; agent: string; task_id: string; message: string; details: Json }
  | { kind: "unscripted_agent"; agent: string };

export class VirtualClock {
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
}

const MAX_STEPS = 10_000;

/** Runs the dry run to its end (or its step limit); the engine's tables then hold what happened. */
export function driveDryRun(storage: EngineStorage, init: RunInit, scripts: Record<string, AgentScript>, startMs: number): { engine: RunEngine; notes: DriverNote[]; stopped: "ended" | "step_limit" } {
  const clock = new VirtualClock(startMs);
  const engine = new RunEngine(storage, clock);
  const notes: DriverNote[] = [];
  const answers = new Map<string, number>();
  /** Scripted completions waiting for their virtual moment, by task. */
  const due = new Map<string, number>();
  engine.change(() => engine.start(init, "dry"));

  const answer = (task: TaskRow): Completion => {
    const script = scripts[task.agent_id];
    if (!script) {
      if (!notes.some((n) => n.kind === "unscripted_agent" && n.agent === task.agent_id)) notes.push({ kind: "unscripted_agent", agent: task.agent_id });
      return { output: null };
    }
    const n = answers.get(task.agent_id) ?? 0;
    answers.set(task.agent_id, n + 1);
    const extra = { ...(script.usage ? { usage: script.usage } : {}), ...(script.state ? { state: script.state } : {}) };
    if (script.fail) {
      const error = typeof script.fail === "object" ? script.fail : {};
      return { status: "failed", error: { code: error.code ?? "scripted_failure", message: error.message ?? `${task.agent_id} was scripted to fail.` }, ...extra };
    }
    const output = script.outputs && script.outputs.length > 0 ? script.outputs[Math.min(n, script.outputs.length - 1)] : script.output;
    return { output: output ?? null, ...extra };
  };

  for (let step = 0; step < MAX_STEPS; step++) {
    takeEffects(engine, scripts, due, clock);
    if (!engine.running()) return { engine, notes, stopped: "ended" };
    const nextAnswer = Math.min(...due.values());
    const nextWake = engine.nextWakeAt() ?? Number.POSITIVE_INFINITY;
    const at = Math.min(nextAnswer, nextWake);
    if (!Number.isFinite(at)) return { engine, notes, stopped: "ended" };
    clock.at = Math.max(clock.at, at);
    // An answer due at the same moment as a deadline arrives first: it was sent before the deadline passed.
    const taskId = nextAnswer <= nextWake ? [...due].find(([, when]) => when === nextAnswer)?.[0] : undefined;
    if (taskId === undefined) {
      engine.change(() => engine.tick());
      continue;
    }
    due.delete(taskId);
    const task = engine.tasks.get(taskId);
    if (!task || (task.status !== "pending" && task.status !== "running")) continue;
    complete(engine, task, answer(task), notes, () => answer(task));
  }
  return { engine, notes, stopped: "step_limit" };
}

/** Carries the outbox's effects out inside the dry world: deliveries become scheduled answers. */
function takeEffects(engine: RunEngine, scripts: Record<string, AgentScript>, due: Map<string, number>, clock: VirtualClock): void {
  for (let round = 0; round < 4; round++) {
    const pending = engine.outbox.due(Number.MAX_SAFE_INTEGER);
    if (pending.length === 0) return;
    const synthesize: number[] = [];
    engine.change(() => {
      for (const item of pending) {
        const effect = item.effect;
        if (effect.type === "deliver_task") {
          const script = scripts[effect.task.agent_id];
          engine.tasks.markStarted(effect.task.task_id, clock.at);
          if (!script?.never_answer) due.set(effect.task.task_id, clock.at + (script?.delay_seconds ?? 1) * 1000);
        } else if (effect.type === "retract_task") due.delete(effect.task_id);
        else if (effect.type === "summarize_branches") synthesize.push(effect.pattern);
        engine.outbox.done(item.seq);
      }
    });
    // A dry run's branches are never created, so a join over branches has nothing to summarise.
    for (const index of synthesize)
      engine.change(() => {
        const logic = engine.patterns()[index];
        if (logic instanceof Hierarchical) logic.synthesize(engine, {});
      });
  }
}

/**
 * A scripted completion through the same path as a real one. An output refused by a schema is what the
 * agent would get back as a 400: the next scripted output is tried as its correction; with none left, the
 * task fails as `invalid_output` (a real agent that cannot correct itself would let it time out).
 */
function complete(engine: RunEngine, task: TaskRow, first: Completion, notes: DriverNote[], next: () => Completion): void {
  const caller: Caller = { agent_id: task.agent_id, admin: false };
  let completion = first;
  for (let tries = 0; tries < 3; tries++) {
    let refused: { code: string; message: string; details?: unknown } | undefined;
    try {
      const outcome = engine.change(() => completeTask(engine, task.task_id, completion, caller, true));
      if (!("not_owner" in outcome) && !outcome.ok) refused = outcome.error;
    } catch (error) {
      if (!(error instanceof RefusedChange)) throw error;
      refused = error.refusal.error;
    }
    if (!refused) return;
    notes.push({ kind: "output_refused", agent: task.agent_id, task_id: task.task_id, message: refused.message, details: (refused.details ?? null) as Json });
    const correction = next();
    if (JSON.stringify(correction) === JSON.stringify(completion)) break;
    completion = correction;
  }
  engine.change(() =>
    completeTask(engine, task.task_id, { status: "failed", error: { code: "invalid_output", message: `${task.agent_id}'s scripted output was refused and no corrected one followed.` } }, caller, true),
  );
}
