import {
  type AuthInfo,
  type McpHttpHandler,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  readRequestBody,
} from "@modelcontextprotocol/server";
import { MAX_JSON_DEPTH, jsonNestingDepth } from "../http/json-depth";
import { buildMcpServer } from "./mcp-server";
import type { ToolContext } from "./tool";

// `POST /mcp`: Streamable HTTP, stateless, answered with one JSON body. Every request gets a fresh server
// bound to its caller (tools call the REST API as that caller), so nothing is kept between requests.
//
// Two eras of the protocol arrive here. 2025-era clients (the official SDKs by default, and HatiData's,
// which sends a bare `tools/call` with no `initialize` and no `Accept`) are served by the stateless
// transport with JSON answers; 2026-07-28 clients (per-request `_meta` envelope) by the SDK's entry,
// which answers JSON too while a tool emits nothing before its result, as none of ours does.

/** An MCP body may carry a REST body's worth of arguments plus its JSON-RPC envelope. */
export const maxMcpBodyBytes = (maxRestBodyBytes: number) => maxRestBodyBytes + 64 * 1024;

/** What the transport requires a client to accept; HatiData's client sends no Accept at all. */
const STREAMABLE_ACCEPT = "application/json, text/event-stream";

/** A JSON-RPC error answer, for what fails before the SDK sees the message. */
export function jsonRpcError(status: number, code: number, message: string, headers?: HeadersInit): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status, headers });
}

/** The tool context travels to the modern entry's per-request factory inside the (pass-through) auth info. */
class McpCall {
  constructor(readonly context: ToolContext) {}
}

let modern: { handler: McpHttpHandler; maxBody: number } | undefined;

function modernHandler(maxBody: number): McpHttpHandler {
  if (modern?.maxBody !== maxBody) {
    const handler = createMcpHandler(
      ({ authInfo }) => {
        const call = authInfo?.extra?.call;
        if (!(call instanceof McpCall)) throw new Error("an MCP request reached the handler without its caller");
        return buildMcpServer(call.context);
      },
      // Its refusals of malformed requests are answered to the caller; they are not the deployment's errors to log.
      { legacy: "reject", maxRequestBodySize: maxBody },
    );
    modern = { handler, maxBody };
  }
  return modern.handler;
}

const authInfoFor = (context: ToolContext): AuthInfo => ({ token: "", clientId: context.caller.agentId, scopes: [], extra: { call: new McpCall(context) } });

/** Serves one POST to `/mcp` for an authenticated caller. Never throws: every failure is a JSON-RPC answer. */
export async function serveMcp(request: Request, context: ToolContext, maxBody: number): Promise<Response> {
  const headers = new Headers(request.headers);
  const accept = headers.get("accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) headers.set("accept", STREAMABLE_ACCEPT);
  if (!isJsonContentType(headers.get("content-type"))) return jsonRpcError(415, -32000, "Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.");

  const read = await readRequestBody(request, maxBody).catch(() => undefined);
  if (!read) return jsonRpcError(400, -32700, "Parse error: the request body could not be read.");
  if (read.tooLarge) return jsonRpcError(413, -32000, `The request body is over ${maxBody} bytes.`);
  // Validation walks arguments recursively: a body nested without bound must be refused before it is.
  if (jsonNestingDepth(read.text) > MAX_JSON_DEPTH) return jsonRpcError(400, -32600, `Invalid Request: the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`);
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    return jsonRpcError(400, -32700, "Parse error: the request body is not valid JSON.");
  }

  // The body has been read: the request handed on carries its headers, and the SDK takes the parsed body.
  const forwarded = new Request(request.url, { method: "POST", headers, signal: request.signal });
  if (await isLegacyRequest(forwarded, body, { maxRequestBodySize: maxBody })) return serveLegacy(forwarded, body, context);
  return modernHandler(maxBody).fetch(forwarded, { authInfo: authInfoFor(context), parsedBody: body });
}

async function serveLegacy(request: Request, body: unknown, context: ToolContext): Promise<Response> {
  const server = buildMcpServer(context);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request, { parsedBody: body });
  } catch (err) {
    console.error("MCP request failed", err);
    return jsonRpcError(500, -32603, "Internal error; the request id identifies it in the logs.");
  } finally {
    // The answer is complete (JSON, not a stream): the per-request server and transport are done.
    void transport.close().catch(() => undefined);
    void server.close().catch(() => undefined);
  }
}
