import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A published version of an agent: immutable, except that it may be deprecated or promoted. */
export type AgentVersion = wire.AgentVersion;
/** `POST /v1/agents/{agent_id}/versions`: `version` is semver 2.0; the rest is optional. */
export type PublishVersionInput = wire.PublishVersionInput;
/** What a reference (`1.2.0`, `latest`, `^1.2`) picks now. */
export type ResolvedReference = wire.ResolvedReference;
/** `POST …/deprecate`: why, for the record. */
export type DeprecateVersionInput = wire.DeprecateVersionInput;

/**
 * The agent catalog (`/v1/agents/{agent_id}/versions`): an agent publishes its versions (semver, immutable),
 * deprecates and promotes them; workflows reference them exactly (`1.2.0`), as `latest`, or by range.
 *
 * @example
 * await analyst.versions.publish("revenue-analyst", { version: "1.3.0", output_schema: { type: "object" } });
 * await analyst.versions.promote("revenue-analyst", "1.3.0"); // `latest` now names 1.3.0
 * const { version } = await analyst.versions.resolve("revenue-analyst", "^1.2");
 */
export class VersionsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Publishes a version: `POST /v1/agents/{agent_id}/versions` → 201; 409 if it was published already. */
  async publish(agentId: string, input: PublishVersionInput, options?: CreateOptions): Promise<AgentVersion> {
    return this.#transport.request({ method: "POST", path: path`/v1/agents/${agentId}/versions`, body: input, creates: true, options });
  }

  /** One page of the agent's versions, highest first (semver order): `GET /v1/agents/{agent_id}/versions`. */
  async list(agentId: string, page: PageOptions = {}, options?: RequestOptions): Promise<Page<AgentVersion>> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}/versions`, query: { ...page }, options });
  }

  /** Every version of the agent, highest first, fetching pages as the loop goes. */
  listAll(agentId: string, page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<AgentVersion, void, undefined> {
    return paginate((cursor) => this.list(agentId, { ...page, cursor }, options));
  }

  /** `GET /v1/agents/{agent_id}/versions/{version}`. */
  async get(agentId: string, version: string, options?: RequestOptions): Promise<AgentVersion> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}/versions/${version}`, options });
  }

  /** Deprecates a version: `latest` and ranges skip it, new pins are refused, existing ones keep it. */
  async deprecate(agentId: string, version: string, input: DeprecateVersionInput = {}, options?: RequestOptions): Promise<AgentVersion> {
    // Deprecating twice changes nothing more: safe to repeat.
    return this.#transport.request({ method: "POST", path: path`/v1/agents/${agentId}/versions/${version}/deprecate`, body: input, replayable: true, options });
  }

  /** Promotes a version: `latest` names it until another is promoted or it is deprecated. */
  async promote(agentId: string, version: string, options?: RequestOptions): Promise<AgentVersion> {
    return this.#transport.request({ method: "POST", path: path`/v1/agents/${agentId}/versions/${version}/promote`, replayable: true, options });
  }

  /** What a reference picks now: `GET /v1/agents/{agent_id}/versions/resolve?ref=`; 404 when nothing matches. */
  async resolve(agentId: string, ref: string, options?: RequestOptions): Promise<ResolvedReference> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}/versions/resolve`, query: { ref }, options });
  }

  /**
   * The key that signs tasks POSTed to this agent's endpoints (`X-Switchyard-Signature`: hex HMAC-SHA256 of
   * `X-Switchyard-Timestamp + "." + body`): `GET /v1/agents/{agent_id}/endpoint-secret`. The agent itself or an admin.
   */
  async endpointSecret(agentId: string, options?: RequestOptions): Promise<EndpointSecret> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}/endpoint-secret`, options });
  }
}

/** The key an agent's endpoint checks task deliveries with. */
export interface EndpointSecret {
  agent_id: string;
  secret: string;
  algorithm: "HMAC-SHA256";
  signed: string;
}
