import type * as wire from "../api-types.ts";
import { path } from "../path.ts";
import type { JsonValue } from "./state.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** A task of a run, with its status, output or error, attempt, usage and deadline. */
export type Task = wire.Task;
/** What completing a task sends: the output (or a failure), tokens used, shared-state writes. */
export type CompleteTaskInput = wire.CompleteTaskInput;
export type TaskFeedbackInput = wire.FeedbackInput;

/** Tasks (`/v1/tasks/{task_id}`): read, complete, heartbeat, rate. */
export class TasksResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async get(taskId: string, options?: RequestOptions): Promise<Task> {
    return this.#transport.request({ method: "GET", path: path`/v1/tasks/${taskId}`, options });
  }

  /**
   * Completes a task (its agent only): `POST /v1/tasks/{task_id}/complete`. An output off the version's or
   * the edge's schema is a 400 `SwitchyardError` and the task stays open for a corrected completion.
   */
  async complete(taskId: string, completion: CompleteTaskInput, options?: RequestOptions): Promise<Task> {
    // A repeat after a lost answer would be a misleading 409: not replayed.
    return this.#transport.request({ method: "POST", path: path`/v1/tasks/${taskId}/complete`, body: completion, options });
  }

  /** Pushes the deadline back by the task timeout: `POST /v1/tasks/{task_id}/heartbeat`. */
  async heartbeat(taskId: string, progress?: JsonValue, options?: RequestOptions): Promise<Task> {
    return this.#transport.request({ method: "POST", path: path`/v1/tasks/${taskId}/heartbeat`, body: progress === undefined ? {} : { progress }, replayable: true, options });
  }

  /** Rates a task's output (the A/B tests' `quality_score`): `POST /v1/tasks/{task_id}/feedback`. */
  async feedback(taskId: string, feedback: TaskFeedbackInput, options?: RequestOptions): Promise<Task> {
    return this.#transport.request({ method: "POST", path: path`/v1/tasks/${taskId}/feedback`, body: feedback, replayable: true, options });
  }
}
