import type * as wire from "../api-types.ts";
import type { Page } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A new key: `api_key` is shown only in this answer; only its hash is stored. */
export type IssuedKey = wire.IssuedKey;
/** A key as listed: no secret, and `revoked_at` once revoked. */
export type AgentKey = wire.Key;
/** What revoking a key answers. */
export type RevokedKey = wire.RevokedKey;

/** An agent's API keys (`/v1/agents/{agent_id}/keys`): admin only. */
export class AgentKeysResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Issues a key: `POST /v1/agents/{agent_id}/keys` → 201. Keep `api_key`: it is never shown again, not even
   * to a retry with the same Idempotency-Key, which gets a 409 (`secret_not_replayed`) naming the `key_id`
   * the first request created: revoke that one and issue another if its answer was lost.
   */
  async create(agentId: string, options?: CreateOptions): Promise<IssuedKey> {
    return this.#transport.request({ method: "POST", path: path`/v1/agents/${agentId}/keys`, creates: true, options });
  }

  /** The agent's keys, revoked ones included: `GET /v1/agents/{agent_id}/keys` (one page). */
  async list(agentId: string, options?: RequestOptions): Promise<Page<AgentKey>> {
    return this.#transport.request({ method: "GET", path: path`/v1/agents/${agentId}/keys`, options });
  }

  /** Revokes a key at once: `DELETE /v1/agents/{agent_id}/keys/{key_id}`. */
  async revoke(agentId: string, keyId: string, options?: RequestOptions): Promise<RevokedKey> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/agents/${agentId}/keys/${keyId}`, options });
  }
}
