import type { z } from "@hono/zod-openapi";
import type { IssuedKeySchema, KeySchema } from "../../src/agents/schemas.ts";
import type { Page } from "../pagination.ts";
import { path } from "../path.ts";
import type { CreateOptions, RequestOptions, Transport } from "../transport.ts";

/** A new key: `api_key` is shown only in this answer; only its hash is stored. */
export type IssuedKey = z.infer<typeof IssuedKeySchema>;
/** A key as listed: no secret, and `revoked_at` once revoked. */
export type AgentKey = z.infer<typeof KeySchema>;
/** What revoking a key answers. */
export interface RevokedKey {
  key_id: string;
  revoked: true;
}

/** An agent's API keys (`/v1/agents/{agent_id}/keys`): admin only. */
export class AgentKeysResource {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Issues a key: `POST /v1/agents/{agent_id}/keys` → 201. Keep `api_key`: it is never shown again. */
  async create(agentId: string, options?: CreateOptions): Promise<IssuedKey> {
    return this.#transport.request({ method: "POST", path: path`/v1/agents/${agentId}/keys`, creates: true, options });
  }

  /** The agent's keys, revoked ones included: `GET /v1/agents/{agent_id}/keys` (one page). */
  async list(agentId: string, options?: RequestOptions): Promise<Page<AgentKey>> {
    const page = await this.#transport.request<{ items: AgentKey[]; next_cursor?: string | null }>({
      method: "GET",
      path: path`/v1/agents/${agentId}/keys`,
      options,
    });
    // The server answers every key in one page and may leave out `next_cursor`; callers get the usual shape.
    return { items: page.items, next_cursor: page.next_cursor ?? null };
  }

  /** Revokes a key at once: `DELETE /v1/agents/{agent_id}/keys/{key_id}`. */
  async revoke(agentId: string, keyId: string, options?: RequestOptions): Promise<RevokedKey> {
    return this.#transport.request({ method: "DELETE", path: path`/v1/agents/${agentId}/keys/${keyId}`, options });
  }
}
