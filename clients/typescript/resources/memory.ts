import type * as wire from "../api-types.ts";
import { type Page, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** `fact` (the default), `observation`, `instruction`, `preference` or `episode`. */
export type MemoryType = wire.MemoryType;
/** A stored memory. */
export type Memory = wire.Memory;
/** `POST /v1/memory`: `agent_id` is the namespace (an agent's own id is private to it). */
export type StoreMemoryInput = wire.StoreMemoryInput;
/** The memories a batch stored, in the order sent. */
export type MemoryBatch = wire.MemoryBatch;
/** `POST /v1/memory/search`: `agent_id` is one namespace or a list of them. */
export type SearchMemoryInput = wire.SearchMemoryInput;
/** Matches metadata: `{topic: "x"}` or operators such as `{confidence: {$gte: 0.9}}`. */
export type MemoryFilter = wire.FilterInput;
/** One search hit; `score` is relevance in 0..1, higher is better. */
export type SearchResult = wire.SearchResult;
/** Search hits, best first. */
export type SearchResponse = wire.SearchResponse;
/** `POST /v1/memory/cleanup`: removes a namespace's memories below `min_importance`. */
export type CleanupMemoryInput = wire.CleanupMemoryInput;
/** How many memories a cleanup removed. */
export type CleanupResult = wire.CleanupResult;
type ListMemoryQuery = wire.ListMemoryQuery;
/** `GET /v1/memory?agent_id=`: the namespace, and optionally page and type. */
export type ListMemoryOptions = Pick<ListMemoryQuery, "agent_id"> & Partial<Omit<ListMemoryQuery, "agent_id">>;
/** What deleting a memory answers. */
export type DeletedMemory = wire.DeletedMemory;

/** Shared memory (`/v1/memory`): namespaced semantic memory, searched by meaning and keywords. */
export class MemoryResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Stores a memory in a namespace: `POST /v1/memory` → 201. */
  async store(input: StoreMemoryInput, options?: CreateOptions): Promise<Memory> {
    return this.#transport.request({ method: "POST", path: "/v1/memory", body: input, creates: true, options });
  }

  /**
   * Stores up to 100 memories at once, all or none: `POST /v1/memory/batch` → 201. One Idempotency-Key
   * covers the whole batch.
   */
  async storeBatch(memories: StoreMemoryInput[], options?: CreateOptions): Promise<MemoryBatch> {
    return this.#transport.request({ method: "POST", path: "/v1/memory/batch", body: { memories }, creates: true, options });
  }

  /** Searches one or more namespaces, best first: `POST /v1/memory/search`. */
  async search(input: SearchMemoryInput, options?: RequestOptions): Promise<SearchResponse> {
    // A search reads only, so it is as safe to repeat as a GET.
    return this.#transport.request({ method: "POST", path: "/v1/memory/search", body: input, replayable: true, options });
  }

  /** `GET /v1/memory/{memory_id}`; 404 `not_found` when it does not exist or has expired. */
  async get(memoryId: string, options?: RequestOptions): Promise<Memory> {
    return this.#transport.request({ method: "GET", path: path`/v1/memory/${memoryId}`, options });
  }

  /** Deletes a memory: `DELETE /v1/memory/{memory_id}`. */
  async delete(memoryId: string, options?: RequestOptions): Promise<DeletedMemory> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/memory/${memoryId}`, options });
  }

  /** One page of a namespace's memories, newest first: `GET /v1/memory?agent_id=`. */
  async list(query: ListMemoryOptions, options?: RequestOptions): Promise<Page<Memory>> {
    return this.#transport.request({ method: "GET", path: "/v1/memory", query: { ...query }, options });
  }

  /** Every memory of a namespace, fetching pages as the loop goes. */
  listAll(query: Omit<ListMemoryOptions, "cursor">, options?: RequestOptions): AsyncGenerator<Memory, void, undefined> {
    return paginate((cursor) => this.list({ ...query, cursor }, options));
  }

  /** Removes a namespace's memories below an importance threshold: `POST /v1/memory/cleanup`. */
  async cleanup(input: CleanupMemoryInput, options?: RequestOptions): Promise<CleanupResult> {
    // Repeating a cleanup removes nothing more, so a lost answer may be retried (the repeat reports 0).
    return this.#transport.request({ method: "POST", path: "/v1/memory/cleanup", body: input, replayable: true, options });
  }
}
