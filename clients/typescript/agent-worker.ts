import { SwitchyardError } from "./errors.ts";
import type { InboxResource, InboxTask } from "./resources/inbox.ts";
import type { JsonValue } from "./resources/state.ts";
import type { CompleteTaskInput, TasksResource } from "./resources/tasks.ts";

/** What a handler is given beside its task. */
export interface TaskContext {
  /** Aborted when the task can no longer be completed (it timed out or its run was cancelled): give up then. */
  signal: AbortSignal;
  /**
   * Set when the previous output was refused (400: off the version's or an edge's schema): the handler is
   * called again with the refusal, to correct its output.
   */
  rejection?: SwitchyardError;
  /** Attaches token usage and shared-state writes to the completion. */
  report(extra: { usage?: CompleteTaskInput["usage"]; state?: CompleteTaskInput["state"] }): void;
  /** Pushes the deadline back now (the worker also does so on its own while the handler runs). */
  heartbeat(): Promise<void>;
}

/**
 * Does one task; its return value (anything `JSON.stringify` turns into JSON, or a promise of it) is the
 * task's output, a throw its failure (`error.code` is kept when set).
 */
export type TaskHandler = (task: InboxTask, context: TaskContext) => unknown;

export interface WorkerOptions {
  /** Tasks handled at once (default 1). */
  concurrency?: number;
  /** How long each poll waits for a task (0-30 s, default 20). */
  waitSeconds?: number;
  /** Heartbeats while a handler runs, this often (default: a third of the time left until the deadline, at least 1 s). */
  heartbeatMs?: number;
  /** How many times a refused output is handed back to the handler to correct (default 2). */
  maxCorrections?: number;
  /** Told of every failure the loop survives (a poll that failed, a completion refused with 409). */
  onError?: (error: unknown, task?: InboxTask) => void;
}

/**
 * An agent's worker loop: long-polls its inbox for tasks, runs the handler on each while heartbeating,
 * and completes the task with the handler's result or error. `stop()` ends it cleanly: the poll in flight
 * is let finish (a poll abandoned mid-way would leave the server handing its tasks to nobody, and they
 * would wait for their deadline to be retried), whatever it brought is done, then the loop ends.
 *
 * @example
 * const worker = client.worker("sales-analyst", async (task) => ({ summary: await analyse(task.input) }));
 * worker.start();
 * // ...
 * await worker.stop();
 */
export class AgentWorker {
  readonly #agentId: string;
  readonly #inbox: InboxResource;
  readonly #tasks: TasksResource;
  readonly #handler: TaskHandler;
  readonly #options: Required<Omit<WorkerOptions, "heartbeatMs" | "onError">> & Pick<WorkerOptions, "heartbeatMs" | "onError">;
  #stopping = false;
  #wake: (() => void) | undefined;
  readonly #running = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  /** Tasks completed so far (succeeded or failed). */
  completed = 0;

  constructor(agentId: string, inbox: InboxResource, tasks: TasksResource, handler: TaskHandler, options: WorkerOptions = {}) {
    this.#agentId = agentId;
    this.#inbox = inbox;
    this.#tasks = tasks;
    this.#handler = handler;
    this.#options = { concurrency: 1, waitSeconds: 20, maxCorrections: 2, ...options };
  }

  /** Starts the loop (once); the promise it returns settles when the loop has stopped. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  /** Stops taking tasks, lets the poll in flight and the running tasks finish, and resolves when the loop is over. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#running.size >= this.#options.concurrency) {
        await Promise.race(this.#running);
        continue;
      }
      let tasks: InboxTask[];
      try {
        const { items } = await this.#inbox.poll(this.#agentId, {
          kind: "task",
          waitSeconds: this.#options.waitSeconds,
          limit: this.#options.concurrency - this.#running.size,
        });
        tasks = items.filter((i): i is InboxTask => i.kind === "task");
      } catch (error) {
        this.#options.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      for (const task of tasks) {
        const done: Promise<void> = this.#handle(task).finally(() => this.#running.delete(done));
        this.#running.add(done);
      }
    }
    await Promise.all(this.#running);
  }

  async #handle(task: InboxTask): Promise<void> {
    const taskAbort = new AbortController();
    const heartbeat = async () => {
      try {
        await this.#tasks.heartbeat(task.task_id);
      } catch (error) {
        // A task that timed out or was cancelled can no longer be completed: tell the handler to give up.
        if (error instanceof SwitchyardError && (error.status === 409 || error.status === 404)) taskAbort.abort(error);
        else this.#options.onError?.(error, task);
      }
    };
    const every = this.#options.heartbeatMs ?? Math.max(1000, (Date.parse(task.deadline) - Date.now()) / 3);
    const beating = setInterval(() => void heartbeat(), every);
    try {
      let rejection: SwitchyardError | undefined;
      for (let corrections = 0; ; corrections++) {
        const extra: Pick<CompleteTaskInput, "usage" | "state"> = {};
        const context: TaskContext = { signal: taskAbort.signal, report: (e) => Object.assign(extra, e), heartbeat, ...(rejection ? { rejection } : {}) };
        let completion: CompleteTaskInput;
        try {
          const output = (await this.#handler(task, context)) as JsonValue | undefined;
          completion = { output: output ?? null, ...extra };
        } catch (error) {
          completion = { status: "failed", error: errorInfo(error), ...extra };
        }
        try {
          await this.#tasks.complete(task.task_id, completion);
          this.completed++;
          return;
        } catch (error) {
          const refused = error instanceof SwitchyardError && error.status === 400 && completion.status !== "failed";
          if (refused && corrections < this.#options.maxCorrections) {
            rejection = error;
            continue;
          }
          if (refused) {
            await this.#tasks.complete(task.task_id, { status: "failed", error: { code: "output_rejected", message: error.message } }).catch((e: unknown) => this.#options.onError?.(e, task));
            this.completed++;
            return;
          }
          this.#options.onError?.(error, task);
          return;
        }
      }
    } finally {
      clearInterval(beating);
    }
  }
}

function errorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "string" && code ? code : "handler_error", message: error.message };
  }
  return { code: "handler_error", message: String(error) };
}
