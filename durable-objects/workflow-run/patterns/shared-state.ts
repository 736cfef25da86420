import type { SharedStatePattern } from "../../../src/workflows/definition/types";
import type { ErrorInfo } from "../run-types";
import type { TaskRow } from "../task-store";
import type { PatternLogic, RunContext, Settlement } from "./pattern";

/** Shared state: built with the run's state store (issue 13). */
export class SharedState implements PatternLogic {
  constructor(
    readonly pattern: SharedStatePattern,
    readonly index: number,
  ) {}

  start(run: RunContext): void {
    run.failRunWith({ code: "not_supported", message: "Shared-state runs are not available yet." });
  }

  taskFinished(_run: RunContext, _task: TaskRow): ErrorInfo | undefined {
    return undefined;
  }

  settle(_run: RunContext): Settlement {
    return { status: "succeeded", output: {} };
  }
}
