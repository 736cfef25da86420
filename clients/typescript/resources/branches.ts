import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";
import type { QueryInput, QueryResult } from "./query.ts";

/** A branch as the registry holds it; `status` is `open`, `merged`, `discarded` or `expired`. */
export type Branch = wire.Branch;
/** `POST /v1/branches`: a label, and optionally a description and a lifetime. */
export type CreateBranchInput = wire.CreateBranchInput;
/** `GET /v1/branches`: page options and an optional status. */
export type ListBranchesOptions = PageOptions & { status?: wire.ListBranchesQueryInput["status"] };
/** `POST /v1/branches/{id}/write`: a table, its rows, and `insert` (default) or `upsert`. */
export type BranchWriteInput = wire.BranchWriteInput;
export type BranchWriteResult = wire.BranchWriteResult;
/** Per table: rows added, changed (before and after) and deleted; and the conflicts a merge would meet now. */
export type BranchDiff = wire.BranchDiff;
/** A row main and the branch both changed since the base, differently. */
export type MergeConflict = wire.Conflict;
/** `{strategy, resolutions?}`: `branch_wins`, `main_wins` or `manual`. */
export type MergeInput = wire.MergeInput;
/** `merged` with the rows applied per table, or `conflicted` (manual) with nothing applied. */
export type MergeResult = wire.MergeResult;

/**
 * Branches (`/v1/branches`): copy-on-write sandboxes of the SQL data layer. Write and query a branch
 * without touching main, review its diff, then merge it (all or nothing) or discard it.
 */
export class BranchesResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Creates a branch (copies nothing): `POST /v1/branches` → 201. */
  async create(input: CreateBranchInput, options?: CreateOptions): Promise<Branch> {
    return this.#transport.request({ method: "POST", path: "/v1/branches", body: input, creates: true, options });
  }

  /** Reads a branch: `GET /v1/branches/{branch_id}`. */
  async get(branchId: string, options?: RequestOptions): Promise<Branch> {
    return this.#transport.request({ method: "GET", path: path`/v1/branches/${branchId}`, options });
  }

  /** One page of branches, oldest first: `GET /v1/branches`. */
  async list(query: ListBranchesOptions = {}, options?: RequestOptions): Promise<Page<Branch>> {
    return this.#transport.request({ method: "GET", path: "/v1/branches", query: { ...query }, options });
  }

  /** Every branch (optionally of one status), fetching pages as the loop goes. */
  listAll(query: Omit<ListBranchesOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<Branch, void, undefined> {
    return paginate((cursor) => this.list({ ...query, cursor }, options));
  }

  /** Writes rows into a branch table; a missing table is created from the rows. */
  async write(branchId: string, input: BranchWriteInput, options?: RequestOptions): Promise<BranchWriteResult> {
    // An upsert repeated after a lost answer writes the same rows again; an insert would report a duplicate key.
    return this.#transport.request({ method: "POST", path: path`/v1/branches/${branchId}/write`, body: input, replayable: input.mode === "upsert", options });
  }

  /** Runs one SQL statement against the branch's view (reads and writes). */
  async query<R = Record<string, unknown>>(branchId: string, input: QueryInput, options?: RequestOptions): Promise<QueryResult<R>> {
    return this.#transport.request({ method: "POST", path: path`/v1/branches/${branchId}/query`, body: input, options });
  }

  /** What the branch changed, and the conflicts a merge would meet now: `GET /v1/branches/{id}/diff`. */
  async diff(branchId: string, options?: RequestOptions): Promise<BranchDiff> {
    return this.#transport.request({ method: "GET", path: path`/v1/branches/${branchId}/diff`, options });
  }

  /** Merges the branch into main, all or nothing: `POST /v1/branches/{id}/merge`. */
  async merge(branchId: string, input: MergeInput, options?: RequestOptions): Promise<MergeResult> {
    return this.#transport.request({ method: "POST", path: path`/v1/branches/${branchId}/merge`, body: input, options });
  }

  /** Discards the branch and everything written on it: `POST /v1/branches/{id}/discard`. */
  async discard(branchId: string, options?: RequestOptions): Promise<Branch> {
    return this.#transport.request({ method: "POST", path: path`/v1/branches/${branchId}/discard`, options });
  }
}
