import type { ConflictPolicy, Json, SharedStatePattern } from "../../../src/workflows/definition/types";
import type { ErrorInfo } from "../run-types";
import type { StateValue } from "../state-store";
import type { TaskRow } from "../task-store";
import type { PatternLogic, RunContext, Settlement } from "./pattern";
import { taskFailure } from "./task-failure";

type AgentDeclaration = SharedStatePattern["agents"][number];

/**
 * Shared state: agents that read nothing start at once; an agent that reads starts as soon as every key it
 * reads has been written, with those values in its input. Writes follow each key's conflict policy. The
 * run succeeds when every agent's task has succeeded, with the final state as its output; a run whose
 * waiting agents can no longer be started (nothing open, keys still missing) fails as `stalled`.
 */
export class SharedState implements PatternLogic {
  constructor(
    readonly pattern: SharedStatePattern,
    readonly index: number,
  ) {}

  declaration(agent: string): AgentDeclaration | undefined {
    return this.pattern.agents.find((a) => a.name === agent);
  }

  declares(key: string): boolean {
    return this.pattern.agents.some((a) => a.writes.includes(key) || a.reads.includes(key));
  }

  policyFor(key: string): ConflictPolicy {
    return this.pattern.state_store.keys[key]?.conflict_resolution ?? this.pattern.state_store.conflict_resolution;
  }

  start(run: RunContext): void {
    for (const agent of this.pattern.agents.filter((a) => a.reads.length === 0))
      run.startAgent(agent.name, { run_input: run.run().input, state: {} }, this.index, "state", { kind: "start" });
    this.startReaders(run);
  }

  /** After writes: every waiting agent whose keys are all written now gets its task. */
  startReaders(run: RunContext): void {
    for (const agent of this.pattern.agents) {
      if (agent.reads.length === 0 || this.started(run, agent.name)) continue;
      const values = agent.reads.map((key) => run.state.get(key));
      if (values.some((v) => v === null)) continue;
      const written = values as StateValue[];
      const state: Record<string, Json> = Object.fromEntries(written.map((v) => [v.key, v.value]));
      run.startAgent(agent.name, { run_input: run.run().input, state }, this.index, "state", { kind: "state", keys: agent.reads }, written.map((v) => ({ span_id: v.span_id, kind: "state" })));
    }
  }

  private started(run: RunContext, agent: string): boolean {
    return run.tasks.ofAgent(agent).some((t) => t.patterns.includes(this.index));
  }

  taskFinished(_run: RunContext, task: TaskRow): ErrorInfo | undefined {
    return task.status === "succeeded" ? undefined : taskFailure(task);
  }

  settle(run: RunContext): Settlement {
    const waiting = this.pattern.agents.filter((a) => !this.started(run, a.name));
    if (waiting.length > 0) {
      const missing = waiting.map((a) => ({ agent: a.name, missing_keys: a.reads.filter((key) => run.state.get(key) === null) }));
      const first = missing[0]!;
      return {
        status: "failed",
        error: {
          code: "stalled",
          message: `The run stalled: ${first.agent} waits for ${first.missing_keys.map((k) => `'${k}'`).join(", ")}, which no running agent can write any more${missing.length > 1 ? ` (and ${missing.length - 1} more agent${missing.length > 2 ? "s" : ""} wait)` : ""}.`,
          waiting: missing,
        },
      };
    }
    return { status: "succeeded", output: Object.fromEntries(run.state.all().map((v) => [v.key, v.value])) };
  }
}
