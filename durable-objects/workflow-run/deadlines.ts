import { limitFinding } from "../../src/guard-rails/enforce";
import type { RunEngine } from "./engine";
import { isOpenTask } from "./run-types";
import type { TaskRow } from "./task-store";

// A run's time passing, on the clock the engine was given: a task past its deadline is retried or times
// out (its patterns then decide), the run's own deadline (max_run_seconds) ends it, and a pattern's timer
// (a hierarchical join's timeout) goes to its pattern.

/** Everything due by now: task deadlines (retry, or time out), then named timers. */
export function passTime(engine: RunEngine): void {
  for (const task of engine.tasks.due(engine.now)) {
    if (!engine.running()) return;
    const current = engine.tasks.get(task.task_id);
    if (!current || !isOpenTask(current.status)) continue;
    deadlinePassed(engine, current);
  }
  for (const timer of engine.timers.due(engine.now)) {
    if (!engine.running()) return;
    engine.timers.clear(timer.name);
    if (timer.name === "run_deadline") {
      const seconds = engine.run().limits.max_run_seconds;
      if (seconds !== null) engine.recordViolation({ agent_id: engine.run().started_by, action: "workflow:run" }, [limitFinding("max_run_seconds", "(run)", seconds)]);
      engine.failRun({ code: "max_run_seconds", message: `The run took longer than its limit of ${seconds} s (max_run_seconds); its open tasks were cancelled.` }, "timed_out");
      return;
    }
    const [scope, index] = timer.name.split(":");
    engine.patterns()[Number(index)]?.timer?.(engine, scope ?? timer.name);
  }
}

function deadlinePassed(engine: RunEngine, task: TaskRow): void {
  const retries = engine.run().definition.defaults.retries;
  const timeout = engine.run().definition.defaults.task_timeout_seconds;
  if (task.attempt <= retries) {
    engine.endOpenTask(task, "timed_out", { code: "deadline_exceeded", message: `No completion or heartbeat within ${timeout} s; retried as attempt ${task.attempt + 1}.` });
    engine.createTask(task.agent_id, task.input, task.patterns[0] ?? 0, task.role, { kind: "retry", task_id: task.task_id }, [{ span_id: task.span_id, kind: "retry" }], task.attempt + 1, task.task_id, task.patterns);
    return;
  }
  engine.endOpenTask(task, "timed_out", {
    code: "deadline_exceeded",
    message: `No completion or heartbeat within ${timeout} s, after ${task.attempt} attempt${task.attempt === 1 ? "" : "s"} (defaults.retries = ${retries}).`,
  });
  engine.taskFinished(task);
}
