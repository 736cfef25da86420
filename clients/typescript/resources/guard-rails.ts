import type * as wire from "../api-types.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** The deployment's guard rails: every rule (null where not set), with when and by whom they were set. */
export type DeploymentGuardRails = wire.DeploymentGuardRails;
/** `PUT /v1/guard-rails`: the whole rule set; a rule left out (or null) is no longer set. */
export type GuardRailsInput = wire.PutDeploymentGuardRailsInput;

/**
 * The deployment's guard rails (`/v1/guard-rails`): limits and PII handling every agent is held to, on
 * every path it writes through. Anyone may read them; only admins set them. A change holds from every
 * agent's next request; runs keep the rules they started with.
 *
 * @example
 * await admin.guardRails.put({ requests_per_minute: 600, pii: { detect: ["email", "phone", "ssn"], mode: "redact" } });
 * const { pii } = await agent.guardRails.get();
 */
export class GuardRailsResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** `GET /v1/guard-rails`. */
  async get(options?: RequestOptions): Promise<DeploymentGuardRails> {
    return this.#transport.request({ method: "GET", path: "/v1/guard-rails", options });
  }

  /**
   * Replaces the rule set: `PUT /v1/guard-rails` (admin). A misspelt rule or a value out of range is 400
   * naming the field. Safe to repeat.
   */
  async put(rules: GuardRailsInput, options?: RequestOptions): Promise<DeploymentGuardRails> {
    return this.#transport.request({ method: "PUT", path: "/v1/guard-rails", body: rules, replayable: true, options });
  }
}
