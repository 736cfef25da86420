import { INBOX_SUBPROTOCOL } from "../../durable-objects/agent/inbox-types";

/** A browser offers `Sec-WebSocket-Protocol: switchyard, switchyard.key.<key>`; the server answers `switchyard`. */
const KEY_PROTOCOL_PREFIX = `${INBOX_SUBPROTOCOL}.key.`;

/**
 * The key of a WebSocket upgrade from a client that cannot set headers (a browser): the
 * `switchyard.key.<key>` subprotocol, else the `api_key` query parameter. Only upgrades may
 * authenticate this way; every other request sends its key in a header.
 */
export function upgradeKey(request: Request): string | undefined {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
  for (const protocol of (request.headers.get("sec-websocket-protocol") ?? "").split(",")) {
    const p = protocol.trim();
    if (p.startsWith(KEY_PROTOCOL_PREFIX) && p.length > KEY_PROTOCOL_PREFIX.length) return p.slice(KEY_PROTOCOL_PREFIX.length);
  }
  return new URL(request.url).searchParams.get("api_key") || undefined;
}
