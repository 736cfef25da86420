import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import { RunStateResource } from "./run-state.ts";
import type { JsonValue } from "./state.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A run with its tasks, its pinned agent versions and how it started. */
export type Run = wire.Run;
/** A run as lists show it (without input, output and tasks). */
export type RunSummary = wire.RunSummary;
export type RunStatus = Run["status"];
/** A message sent along a run's flow. */
export type RunMessage = wire.RunMessages["items"][number];
export type SendRunMessageInput = wire.SendRunMessageInput;
export type DelegateInput = wire.DelegateInput;
type Task = wire.Task;
/** A run's coordination trace: every span with its parent and the spans it depended on (`links`). */
export type Trace = wire.Trace;
/** The same trace as OTLP/HTTP JSON, for any OpenTelemetry collector. */
export type OtlpTrace = wire.OtlpTrace;

export interface ListRunsOptions extends PageOptions, RequestOptions {
  workflow?: string;
  status?: RunStatus;
}

/**
 * Workflow runs (`/v1/workflows/{name}/runs`, `/v1/runs`): start, read, list, cancel; the messages of a
 * message-passing run; delegation by a hierarchical run's supervisor.
 *
 * @example
 * const run = await client.runs.start("quarterly-review", { input: { quarter: "Q3" } });
 * const done = await client.runs.wait(run.run_id);
 */
export class RunsResource {
  readonly #transport: Transport;
  /** A shared-state run's state: all (at any moment), get, set, history. */
  readonly state: RunStateResource;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.state = new RunStateResource(transport);
  }

  /** Starts a run of the workflow's current revision: `POST /v1/workflows/{name}/runs`. */
  async start(workflow: string, body: { input?: JsonValue } = {}, options?: CreateOptions): Promise<Run> {
    return this.#transport.request({ method: "POST", path: path`/v1/workflows/${workflow}/runs`, body, creates: true, options });
  }

  async get(runId: string, options?: RequestOptions): Promise<Run> {
    return this.#transport.request({ method: "GET", path: path`/v1/runs/${runId}`, options });
  }

  /** Runs, newest first: `GET /v1/runs?workflow=&status=`. */
  async list(options: ListRunsOptions = {}): Promise<Page<RunSummary>> {
    const { limit, cursor, workflow, status, ...requestOptions } = options;
    return this.#transport.request<wire.RunList>({ method: "GET", path: "/v1/runs", query: { limit, cursor, workflow, status }, options: requestOptions });
  }

  listAll(options: Omit<ListRunsOptions, "cursor"> = {}): AsyncIterable<RunSummary> {
    return paginate((cursor) => this.list({ ...options, ...(cursor ? { cursor } : {}) }));
  }

  /** Cancels a running run: its open tasks are cancelled and taken back from the inboxes. */
  async cancel(runId: string, reason?: string, options?: RequestOptions): Promise<Run> {
    return this.#transport.request({ method: "POST", path: path`/v1/runs/${runId}/cancel`, body: reason === undefined ? {} : { reason }, options });
  }

  /** The messages sent along the run's flow, in order. */
  async messages(runId: string, options?: RequestOptions): Promise<RunMessage[]> {
    const { items } = await this.#transport.request<{ items: RunMessage[] }>({ method: "GET", path: path`/v1/runs/${runId}/messages`, options });
    return items;
  }

  /** Sends a message along the declared flow as this client's agent: `POST /v1/runs/{run_id}/messages`. */
  async sendMessage(runId: string, message: SendRunMessageInput, options?: RequestOptions): Promise<RunMessage[]> {
    const { items } = await this.#transport.request<{ items: RunMessage[] }>({ method: "POST", path: path`/v1/runs/${runId}/messages`, body: message, options });
    return items;
  }

  /** Gives one of the run's workers more work (the supervisor alone): `POST /v1/runs/{run_id}/delegate`. */
  async delegate(runId: string, input: DelegateInput, options?: RequestOptions): Promise<Task> {
    return this.#transport.request({ method: "POST", path: path`/v1/runs/${runId}/delegate`, body: input, options });
  }

  /** The run's trace: `GET /v1/runs/{run_id}/trace`; `{ format: "otlp" }` for OTLP/HTTP JSON. */
  async trace(runId: string, query?: { format?: "json" }, options?: RequestOptions): Promise<Trace>;
  async trace(runId: string, query: { format: "otlp" }, options?: RequestOptions): Promise<OtlpTrace>;
  async trace(runId: string, query: { format?: "json" | "otlp" } = {}, options?: RequestOptions): Promise<Trace | OtlpTrace> {
    return this.#transport.request({ method: "GET", path: path`/v1/runs/${runId}/trace`, query: { format: query.format }, options });
  }

  /** Reads the run until it has ended (or `timeoutMs` passes), every `intervalMs`. */
  async wait(runId: string, options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {}): Promise<Run> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const run = await this.get(runId, options.signal ? { signal: options.signal } : undefined);
      if (run.status !== "running" || Date.now() >= deadline) return run;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    }
  }
}
