import type * as wire from "../api-types.ts";
import type { RunMessage } from "./runs.ts";
import type { Task } from "./tasks.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A workflow at one revision, normalised: every agent listed, `coordination` always a list, defaults filled in. */
export type Workflow = wire.Workflow;
/** What `put` answers: the workflow, with `hook_keys` when the PUT created api_key hooks (shown this once). */
export type PutWorkflowResult = wire.WorkflowWithHookKeys;
/** An api_key hook's key, shown once: `{path, header, api_key}`. */
export type HookKey = wire.ShownHookKey;
/** A workflow's triggers with their state and recent decisions. */
export type TriggerListing = wire.TriggerListing;
export type TriggerStatus = wire.TriggerStatus;
/** What a trigger decided and why: fired, skipped, deduplicated, failed. */
export type TriggerDecision = wire.TriggerDecision;
/** The next instants of a workflow's schedules, in UTC and local time, with daylight-saving notes. */
export type SchedulePreview = wire.SchedulePreview;
/** A rotated hook key: the new key (shown once) and when the previous ones stop working. */
export type RotatedHook = wire.RotatedHook;
/** The workflow document as written (the seed's blocks combined), for `put` as an object. */
export type WorkflowDocument = wire.WorkflowDocumentInput;
/** A workflow as listed: its current revision, without the definition. */
export type WorkflowSummary = wire.WorkflowSummary;
/** One revision in a workflow's history. */
export type WorkflowRevision = wire.WorkflowRevision;
/** A mistake or a warning, where it was written: `{path, line, column, message}` (lines for YAML). */
export type DefinitionIssue = wire.DefinitionIssue;
/** What deleting a workflow answers. */
export type DeletedWorkflow = wire.DeletedWorkflow;
/** The agent dependency graph: declared edges and those runs showed, with counts. */
export type WorkflowGraph = wire.WorkflowGraph;
/** Per agent, worst first: durations, retries, timeouts and the share of the runs' critical paths. */
export type WorkflowBottlenecks = wire.WorkflowBottlenecks;

/**
 * Workflows (`/v1/workflows`): definitions in the four coordination patterns, checked when they are put
 * (a mistake is a 400 whose `details` list `{path, line, column, message}`), kept as revisions.
 *
 * @example
 * const wf = await client.workflows.put("q3-review", `
 * coordination:
 *   pattern: hierarchical
 *   supervisor: executive-analyst
 *   workers:
 *     - name: sales-analyst
 *       task: "Analyze Q3 sales performance"
 * `);
 * for (const w of wf.warnings) console.warn(`${w.path} (line ${w.line}): ${w.message}`);
 */
export class WorkflowsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates or changes a workflow: `PUT /v1/workflows/{name}`. A string is sent as YAML
   * (`application/yaml`); an object as JSON. An unchanged definition makes no new revision. A PUT that
   * creates an `api_key` webhook trigger answers its key in `hook_keys`, this once: keep it (a key that
   * was lost is replaced with `rotateHookKey`).
   */
  async put(name: string, definition: string | WorkflowDocument, options?: RequestOptions): Promise<PutWorkflowResult> {
    const body = typeof definition === "string" ? { text: { body: definition, contentType: "application/yaml" } } : { body: definition };
    // A PUT of the same definition makes nothing new: safe to repeat.
    return this.#transport.request({ method: "PUT", path: path`/v1/workflows/${name}`, ...body, replayable: true, options });
  }

  /** The current revision, or an earlier one: `GET /v1/workflows/{name}?revision=`. */
  async get(name: string, query: { revision?: number } = {}, options?: RequestOptions): Promise<Workflow> {
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}`, query: { revision: query.revision }, options });
  }

  /** One page of workflows, by name: `GET /v1/workflows`. */
  async list(page: PageOptions = {}, options?: RequestOptions): Promise<Page<WorkflowSummary>> {
    return this.#transport.request({ method: "GET", path: "/v1/workflows", query: { ...page }, options });
  }

  /** Every workflow, fetching pages as the loop goes. */
  listAll(page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<WorkflowSummary, void, undefined> {
    return paginate((cursor) => this.list({ ...page, cursor }, options));
  }

  /** One page of a workflow's revisions, newest first: `GET /v1/workflows/{name}/revisions`. */
  async revisions(name: string, page: PageOptions = {}, options?: RequestOptions): Promise<Page<WorkflowRevision>> {
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}/revisions`, query: { ...page }, options });
  }

  /** Every revision of a workflow, newest first. */
  allRevisions(name: string, page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<WorkflowRevision, void, undefined> {
    return paginate((cursor) => this.revisions(name, { ...page, cursor }, options));
  }

  /** A new revision equal to an earlier one, checked again: `POST /v1/workflows/{name}/rollback`. */
  async rollback(name: string, revision: number, options?: CreateOptions): Promise<Workflow> {
    return this.#transport.request({ method: "POST", path: path`/v1/workflows/${name}/rollback`, body: { revision }, creates: true, options });
  }

  /**
   * The workflow's triggers, each with its state (a schedule's next instant, a poll's interval, a hook's
   * working keys) and its recent decisions, newest first: `GET /v1/workflows/{name}/triggers`.
   *
   * @example
   * const { items } = await client.workflows.triggers("revenue-pipeline");
   * for (const t of items) console.log(t.type, t.state, t.last_decision?.decision, t.last_decision?.reason);
   */
  async triggers(name: string, query: { decisions?: number } = {}, options?: RequestOptions): Promise<TriggerListing> {
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}/triggers`, query: { decisions: query.decisions }, options });
  }

  /**
   * The next instants of the workflow's schedules, in UTC and local time, with a note wherever daylight
   * saving moved one: `GET /v1/workflows/{name}/schedule?from=&count=`.
   *
   * @example
   * const { schedules } = await client.workflows.schedule("revenue-pipeline", { from: "2026-03-01T00:00:00Z", count: 5 });
   */
  async schedule(name: string, query: { from?: string | Date; count?: number } = {}, options?: RequestOptions): Promise<SchedulePreview> {
    const from = query.from instanceof Date ? query.from.toISOString() : query.from;
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}/schedule`, query: { from, count: query.count }, options });
  }

  /**
   * A new key for an `api_key` hook (shown once); the previous key keeps working for an hour:
   * `POST /v1/workflows/{name}/hooks/rotate`. Sent with an Idempotency-Key: a retry issues no second key
   * and gets a 409 (`secret_not_replayed`); if the first answer was lost, rotate again.
   */
  async rotateHookKey(name: string, hookPath: string, options?: CreateOptions): Promise<RotatedHook> {
    return this.#transport.request({ method: "POST", path: path`/v1/workflows/${name}/hooks/rotate`, body: { path: hookPath }, creates: true, options });
  }

  /** The agent dependency graph over the runs that ended since `since` (default 7 days): `GET /v1/workflows/{name}/graph`. */
  async graph(name: string, query: { since?: string } = {}, options?: RequestOptions): Promise<WorkflowGraph> {
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}/graph`, query: { since: query.since }, options });
  }

  /** Which agents slow the workflow down, worst first: `GET /v1/workflows/{name}/bottlenecks`. */
  async bottlenecks(name: string, query: { since?: string } = {}, options?: RequestOptions): Promise<WorkflowBottlenecks> {
    return this.#transport.request({ method: "GET", path: path`/v1/workflows/${name}/bottlenecks`, query: { since: query.since }, options });
  }

  /** Deletes a workflow: 409 while runs of it are running, unless `force` cancels them. */
  async delete(name: string, query: { force?: boolean } = {}, options?: RequestOptions): Promise<DeletedWorkflow> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/workflows/${name}`, query: { force: query.force }, options });
  }

  /**
   * Tests a coordination end to end without its agents: `POST /v1/dry-runs`. The real engine runs on a
   * virtual clock with scripted agents, for a saved `workflow` or an unsaved `definition` (YAML text or the
   * JSON document); nothing reaches a real inbox, endpoint, memory, event or audit row. Read `findings`.
   *
   * @example
   * const dry = await client.workflows.dryRun({ workflow: "q3-review", agents: { "ops-analyst": { never_answer: true } } });
   * expect(dry.findings.filter((f) => f.severity === "error")).toEqual([]);
   */
  async dryRun(request: DryRunInput, options?: RequestOptions): Promise<DryRun> {
    return this.#transport.request({ method: "POST", path: "/v1/dry-runs", body: request, replayable: true, options });
  }

  /** A dry run kept from the last 24 h (its caller's, or any for an admin): `GET /v1/dry-runs/{dry_run_id}`. */
  async getDryRun(dryRunId: string, options?: RequestOptions): Promise<DryRun> {
    return this.#transport.request({ method: "GET", path: path`/v1/dry-runs/${dryRunId}`, options });
  }
}

/** A dry run's request: the workflow (or an unsaved definition), its input or event, and each agent's script. */
export type DryRunInput = wire.DryRunRequestInput;
/** A finished dry run: status, output, tasks, messages, state, trace and findings. */
export type DryRun = Omit<wire.DryRun, "tasks" | "messages"> & { tasks: Task[]; messages: RunMessage[] };
/** What a dry run found would go wrong, with the agent, key, edge, schema or filter involved. */
export type DryRunFinding = DryRun["findings"][number];
