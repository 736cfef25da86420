import type * as wire from "../api-types.ts";
import { type Page, type PageOptions, paginate } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** An ABAC policy: an allow or deny over actions, resources and principals, with an optional CEL condition. */
export type Policy = wire.Policy;
/** `POST /v1/policies`: `effect`, `actions` and `resources` are required; `policy_id` is made up if absent. */
export type CreatePolicyInput = wire.CreatePolicyInput;
/** What deleting a policy answers. */
export type DeletedPolicy = wire.DeletedPolicy;

/**
 * Policies (`/v1/policies`): admin only. A matching deny wins over any allow; where no policy matches,
 * the role defaults apply. A change is in force from every caller's next request.
 *
 * @example
 * await admin.policies.create({
 *   policy_id: "only-agent-a-writes-kb",
 *   effect: "deny",
 *   actions: ["memory:write"],
 *   resources: ["memory:shared-knowledge-base"],
 *   condition: 'subject.agent_id != "agent-a"',
 * });
 */
export class PoliciesResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Creates a policy: `POST /v1/policies` → 201. A taken `policy_id` is 409 `conflict`; a bad one 400 naming the field. */
  async create(input: CreatePolicyInput, options?: CreateOptions): Promise<Policy> {
    return this.#transport.request({ method: "POST", path: "/v1/policies", body: input, creates: true, options });
  }

  /** One page of policies, by `policy_id`: `GET /v1/policies`. */
  async list(page: PageOptions = {}, options?: RequestOptions): Promise<Page<Policy>> {
    return this.#transport.request({ method: "GET", path: "/v1/policies", query: { ...page }, options });
  }

  /** Every policy, fetching pages as the loop goes. */
  listAll(page: Omit<PageOptions, "cursor"> = {}, options?: RequestOptions): AsyncGenerator<Policy, void, undefined> {
    return paginate((cursor) => this.list({ ...page, cursor }, options));
  }

  /** `GET /v1/policies/{policy_id}`; 404 `not_found` when there is no such policy. */
  async get(policyId: string, options?: RequestOptions): Promise<Policy> {
    return this.#transport.request({ method: "GET", path: path`/v1/policies/${policyId}`, options });
  }

  /** Deletes a policy: `DELETE /v1/policies/{policy_id}`. */
  async delete(policyId: string, options?: RequestOptions): Promise<DeletedPolicy> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/policies/${policyId}`, options });
  }
}
