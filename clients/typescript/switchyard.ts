import type * as wire from "./api-types.ts";
import { AgentsResource } from "./resources/agents.ts";
import { CotResource } from "./resources/cot.ts";
import { InboxResource } from "./resources/inbox.ts";
import { BranchesResource } from "./resources/branches.ts";
import { MemoryResource } from "./resources/memory.ts";
import { PoliciesResource } from "./resources/policies.ts";
import { type QueryParam, type QueryResult, runQuery } from "./resources/query.ts";
import { StateResource } from "./resources/state.ts";
import { TriggersResource } from "./resources/triggers.ts";
import { VersionsResource } from "./resources/versions.ts";
import { WebhooksResource } from "./resources/webhooks.ts";
import { RunsResource } from "./resources/runs.ts";
import { TasksResource } from "./resources/tasks.ts";
import { AbTestsResource } from "./resources/ab-tests.ts";
import { EventTypesResource, EventsResource } from "./resources/events.ts";
import { AgentWorker, type TaskHandler, type WorkerOptions } from "./agent-worker.ts";
import { WorkflowsResource } from "./resources/workflows.ts";
import { type RequestOptions, type SwitchyardOptions, Transport } from "./transport.ts";

/** The caller, as the server sees its key. */
export type WhoAmI = wire.WhoAmI;

/**
 * A client for one Switchyard deployment, acting as one agent (or as admin). Every call throws
 * `SwitchyardError` on failure; creating calls send an `Idempotency-Key`, so retries create nothing twice.
 *
 * @example
 * const writer = new Switchyard({ baseUrl: "http://localhost:8787", apiKey: process.env.WRITER_KEY! });
 * const handoff = await writer.state.get("researcher", "phase1_output");
 */
export class Switchyard {
  /** Agents and their keys (admin). */
  readonly agents: AgentsResource;
  /** Durable, versioned key-value state per agent, for hand-offs. */
  readonly state: StateResource;
  /** Namespaced semantic memory: store, search, cleanup. */
  readonly memory: MemoryResource;
  /** ABAC policies over every resource (admin). */
  readonly policies: PoliciesResource;
  /** The chain-of-thought ledger: append-only, hash-chained reasoning steps per session. */
  readonly cot: CotResource;
  /** Semantic triggers: notify an inbox, call a webhook or write an event when a matching memory is stored. */
  readonly triggers: TriggersResource;
  /** Webhook deliveries: list them, replay the dead ones. */
  readonly webhooks: WebhooksResource;
  /** Each agent's inbox: poll, ack, send, history, subscribe. */
  readonly inbox: InboxResource;
  /** Copy-on-write branches of the SQL data layer: write, query, diff, merge, discard. */
  readonly branches: BranchesResource;
  /** Workflow runs: start, read, list, cancel, messages, delegation. */
  readonly runs: RunsResource;
  /** Tasks: read, complete, heartbeat, feedback. */
  readonly tasks: TasksResource;
  /** The agent catalog: publish, list, deprecate, promote and resolve agents' versions. */
  readonly versions: VersionsResource;
  /** Workflow definitions in the four coordination patterns, with their revisions. */
  readonly workflows: WorkflowsResource;
  /** A/B tests of agent versions: start, read, list, stop, promote. */
  readonly abTests: AbTestsResource;
  /** Events: publish, and read each with its decisions (why each subscribed workflow did or did not run). */
  readonly events: EventsResource;
  /** Event types: the JSON Schema of each type (admin); string enums are ordered levels in filters. */
  readonly eventTypes: EventTypesResource;
  readonly #transport: Transport;

  constructor(options: SwitchyardOptions) {
    this.#transport = new Transport(options);
    this.agents = new AgentsResource(this.#transport);
    this.state = new StateResource(this.#transport);
    this.memory = new MemoryResource(this.#transport);
    this.policies = new PoliciesResource(this.#transport);
    this.cot = new CotResource(this.#transport);
    this.triggers = new TriggersResource(this.#transport);
    this.webhooks = new WebhooksResource(this.#transport);
    this.inbox = new InboxResource(this.#transport);
    this.branches = new BranchesResource(this.#transport);
    this.runs = new RunsResource(this.#transport);
    this.tasks = new TasksResource(this.#transport);
    this.versions = new VersionsResource(this.#transport);
    this.workflows = new WorkflowsResource(this.#transport);
    this.abTests = new AbTestsResource(this.#transport);
    this.events = new EventsResource(this.#transport);
    this.eventTypes = new EventTypesResource(this.#transport);
  }

  /**
   * An agent's worker loop over its tasks: `worker.start()` long-polls the inbox for tasks, runs `handler`
   * on each while heartbeating, and completes each with the handler's result (or its error); `stop()` ends
   * it once the running tasks are done. The client's key must be the agent's own (or an admin's).
   */
  worker(agentId: string, handler: TaskHandler, options?: WorkerOptions): AgentWorker {
    return new AgentWorker(agentId, this.inbox, this.tasks, handler, options);
  }

  /**
   * Runs one SQL statement over the data layer: `POST /v1/query`. SQLite dialect plus Postgres's NOW(),
   * CURRENT_TIMESTAMP and `± INTERVAL 'n unit'`; placeholders `?` / `?NNN` take `params` in order.
   *
   * @example
   * const { rows } = await supervisor.query<{ agent_id: string; denied_queries: number }>(
   *   "SELECT agent_id, COUNT(*) AS denied_queries FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id",
   * );
   */
  async query<R = Record<string, unknown>>(sql: string, params?: readonly QueryParam[], options?: RequestOptions): Promise<QueryResult<R>> {
    return runQuery<R>(this.#transport, sql, params, options);
  }

  /** Who this client's key belongs to: `GET /v1/whoami`. */
  async whoami(options?: RequestOptions): Promise<WhoAmI> {
    return this.#transport.request({ method: "GET", path: "/v1/whoami", options });
  }
}
