import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** Any JSON value. */
export type JsonValue = wire.PutStateInput["value"];
/**
 * A stored value with its version (1 for the first write, one more per write). `T` is the type the
 * caller expects the value to have; the client does not check it (the writer decides what is stored).
 */
export type StateEntry<T = JsonValue> = Omit<wire.StateEntry, "value"> & { value: T };
/** A key as listed: its version and size, not its value. */
export type StateKeySummary = wire.StateKeySummary;
/** What deleting a key answers. */
export type DeletedState = wire.DeletedState;

/** Options of a write or delete that should only happen at a known version. */
export interface CompareAndSetOptions extends RequestOptions {
  /** Act only if the key is at this version (for `set`, 0 means "only if unset"); otherwise 409 `conflict`. */
  expectedVersion?: number;
}

/**
 * Agent state (`/v1/state`): durable, versioned key-value state for hand-offs. An agent writes its own
 * state; any agent may read another's, unless a policy says otherwise.
 */
export class StateResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Writes a value: `PUT /v1/state/{agent_id}/{key}`. The value is anything `JSON.stringify` turns into
   * JSON, up to 1 MiB. It is generic, like Durable Object storage's `put<T>`, rather than `JsonValue`,
   * so that interfaces and objects with optional fields can be stored without a cast.
   */
  async set<T = JsonValue>(agentId: string, key: string, value: T, options: CompareAndSetOptions = {}): Promise<StateEntry<T>> {
    const { expectedVersion, ...requestOptions } = options;
    return this.#transport.request({
      method: "PUT",
      path: path`/v1/state/${agentId}/${key}`,
      body: { value, expected_version: expectedVersion },
      // A plain write may be repeated after a lost answer; a compare-and-set may not, as a repeat of a
      // write that did land would fail with a conflict.
      replayable: expectedVersion === undefined,
      options: requestOptions,
    });
  }

  /** Reads a value: `GET /v1/state/{agent_id}/{key}`; 404 `not_found` when unset. */
  async get<T = JsonValue>(agentId: string, key: string, options?: RequestOptions): Promise<StateEntry<T>> {
    return this.#transport.request({ method: "GET", path: path`/v1/state/${agentId}/${key}`, options });
  }

  /** Unsets a key: `DELETE /v1/state/{agent_id}/{key}`, optionally only at `expectedVersion`. */
  async delete(agentId: string, key: string, options: CompareAndSetOptions = {}): Promise<DeletedState> {
    const { expectedVersion, ...requestOptions } = options;
    return this.#transport.request({
      method: "DELETE",
      path: path`/v1/state/${agentId}/${key}`,
      query: { expected_version: expectedVersion },
      options: requestOptions,
    });
  }

  /** One page of an agent's keys, in key order: `GET /v1/state/{agent_id}`. */
  async list(agentId: string, page: PageOptions = {}, options?: RequestOptions): Promise<Page<StateKeySummary>> {
    return this.#transport.request({ method: "GET", path: path`/v1/state/${agentId}`, query: { ...page }, options });
  }

  /** Every key of an agent's state, fetching pages as the loop goes. */
  listAll(agentId: string, page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<StateKeySummary, void, undefined> {
    return paginate((cursor) => this.list(agentId, { ...page, cursor }, options));
  }
}
