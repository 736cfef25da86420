import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";
import { AgentKeysResource } from "./agent-keys.ts";

/** `agent` reads and writes the data layer; `reader` only reads (a supervisor); `admin` manages everything. */
export type Role = wire.Role;
/** A registered agent. */
export type Agent = wire.Agent;
/** `POST /v1/agents`: only `agent_id` is required; `role` defaults to `agent`. */
export type CreateAgentInput = wire.CreateAgentInput;
/** `PATCH /v1/agents/{agent_id}`: the fields to change. */
export type UpdateAgentInput = wire.UpdateAgentInput;
/** What deleting an agent answers. */
export type DeletedAgent = wire.DeletedAgent;

/** Agents and their keys (`/v1/agents`): admin only. */
export class AgentsResource {
  /** The agents' API keys. */
  readonly keys: AgentKeysResource;
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.keys = new AgentKeysResource(transport);
  }

  /** Registers an agent: `POST /v1/agents` → 201. A taken `agent_id` is 409 `conflict`. */
  async create(input: CreateAgentInput, options?: CreateOptions): Promise<Agent> {
    return this.#transport.request({ method: "POST", path: "/v1/agents", body: input, creates: true, options });
  }

  /** One page of agents, by `agent_id`: `GET /v1/agents`. */
  async list(page: PageOptions = {}, options?: RequestOptions): Promise<Page<Agent>> {
    return this.#transport.request({ method: "GET", path: "/v1/agents", query: { ...page }, options });
  }

  /** Every agent, fetching pages as the loop goes. */
  listAll(page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<Agent, void, undefined> {
    return paginate((cursor) => this.list({ ...page, cursor }, options));
  }

  /** `GET /v1/agents/{agent_id}`; 404 `not_found` when there is no such agent. */
  async get(agentId: string, options?: RequestOptions): Promise<Agent> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}`, options });
  }

  /** Changes an agent's role, attributes or description: `PATCH /v1/agents/{agent_id}`. */
  async update(agentId: string, input: UpdateAgentInput, options?: RequestOptions): Promise<Agent> {
    // Sending the same changes twice leaves the same agent, so a lost answer may be retried.
    return this.#transport.request({ method: "PATCH", path: path`/v1/agents/${agentId}`, body: input, replayable: true, options });
  }

  /** Deletes an agent, its keys and its state: `DELETE /v1/agents/{agent_id}`. */
  async delete(agentId: string, options?: RequestOptions): Promise<DeletedAgent> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/agents/${agentId}`, options });
  }
}
