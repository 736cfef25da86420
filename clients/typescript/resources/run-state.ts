import type * as wire from "../api-types.ts";
import { path } from "../path.ts";
import type { JsonValue } from "./state.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** A shared-state key of a run: its value, version, writer and time. */
export type RunStateEntry = wire.RunStateEntry;
/** The run's shared state, key by key (what the caller may read). */
export type RunState = wire.RunState;
export type RunStateWrite = wire.RunStateHistory["items"][number];

/**
 * A shared-state run's state (`/v1/runs/{run_id}/state`): an agent writes its declared `writes` and reads
 * its `reads` and `writes`; each key follows its conflict policy.
 *
 * @example
 * await client.runs.state.set(runId, "revenue_by_region", { emea: 10 });
 * const then = await client.runs.state.all(runId, { at: "2026-12-04T10:00:00.000Z" });
 */
export class RunStateResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Every key, or as the state was `at` a moment (the state inspector). */
  async all(runId: string, options: RequestOptions & { at?: string } = {}): Promise<RunState> {
    const { at, ...requestOptions } = options;
    return this.#transport.request({ method: "GET", path: path`/v1/runs/${runId}/state`, query: { at }, options: requestOptions });
  }

  async get(runId: string, key: string, options?: RequestOptions): Promise<RunStateEntry> {
    return this.#transport.request({ method: "GET", path: path`/v1/runs/${runId}/state/${key}`, options });
  }

  /** Writes a key under its conflict policy; `expectedVersion` for `version-check` keys (0 for a new key). */
  async set<T = JsonValue>(runId: string, key: string, value: T, options: RequestOptions & { expectedVersion?: number } = {}): Promise<RunStateEntry> {
    const { expectedVersion, ...requestOptions } = options;
    return this.#transport.request({ method: "PUT", path: path`/v1/runs/${runId}/state/${key}`, body: { value, expected_version: expectedVersion }, options: requestOptions });
  }

  /** Every write of a key, oldest first. */
  async history(runId: string, key: string, options?: RequestOptions): Promise<RunStateWrite[]> {
    const { items } = await this.#transport.request<{ items: RunStateWrite[] }>({ method: "GET", path: path`/v1/runs/${runId}/state/${key}/history`, options });
    return items;
  }
}
