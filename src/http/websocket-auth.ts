import { INBOX_SUBPROTOCOL } from "../../durable-objects/agent/inbox-types";

/** A browser offers `Sec-WebSocket-Protocol: switchyard, switchyard.key.<key>`; the server answers `switchyard`. */
const KEY_PROTOCOL_PREFIX = `${INBOX_SUBPROTOCOL}.key.`;

/** The one route that accepts WebSocket upgrades: `GET /v1/inbox/{agent_id}/connect`. */
const CONNECT_PATH = /^\/v1\/inbox\/[^/]+\/connect$/;

/**
 * The key of a WebSocket upgrade from a client that cannot set headers (a browser): the
 * `switchyard.key.<key>` subprotocol, else the `api_key` query parameter. Only an upgrade of the
 * connect route may authenticate this way: anywhere else a key in a URL would end up in logs and
 * referrers for nothing (no other route upgrades), so every other request sends its key in a header.
 */
export function upgradeKey(request: Request): string | undefined {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
  if (request.method !== "GET" || !CONNECT_PATH.test(new URL(request.url).pathname)) return undefined;
  for (const protocol of (request.headers.get("sec-websocket-protocol") ?? "").split(",")) {
    const p = protocol.trim();
    if (p.startsWith(KEY_PROTOCOL_PREFIX) && p.length > KEY_PROTOCOL_PREFIX.length) return p.slice(KEY_PROTOCOL_PREFIX.length);
  }
  return new URL(request.url).searchParams.get("api_key") || undefined;
}
