import { SELF } from "cloudflare:test";
import { expect } from "vitest";

export interface RpcResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON-RPC answer (or whatever JSON the endpoint answered). */
  body: any;
}

export interface RpcOptions {
  /** The key, sent as HatiData sends it (`Authorization: ApiKey <key>`); null for none. */
  key?: string | null;
  headers?: Record<string, string>;
  /** Sent as-is instead of the JSON-RPC envelope. */
  raw?: string;
  method?: string;
}

let ids = 0;

/** One JSON-RPC request to POST /mcp, with only the headers HatiData's client sends (no Accept, no initialize). */
export async function rpc(method: string, params: unknown, options: RpcOptions = {}): Promise<RpcResponse> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.key !== null && options.key !== undefined) headers.authorization = `ApiKey ${options.key}`;
  const body = options.raw ?? JSON.stringify({ jsonrpc: "2.0", id: ++ids, method, ...(params === undefined ? {} : { params }) });
  const res = await SELF.fetch("https://switchyard.test/mcp", { method: options.method ?? "POST", headers, body: options.method && options.method !== "POST" ? undefined : body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the test sees the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export interface ToolCall {
  /** `result` of the JSON-RPC answer. */
  result: { content: { type: string; text: string }[]; structuredContent?: any; isError?: boolean };
  /** `content[0].text`, parsed: what HatiData's client reads. */
  value: any;
}

/** tools/call, expecting a JSON-RPC result (a tool result, which may be an error result). */
export async function callTool(key: string, name: string, args: Record<string, unknown> = {}): Promise<ToolCall> {
  const res = await rpc("tools/call", { name, arguments: args }, { key });
  if (res.status !== 200 || !res.body?.result) throw new Error(`tools/call ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const result = res.body.result;
  const text: string = result.content?.[0]?.text ?? "";
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // an SDK validation message is text, not JSON
  }
  return { result, value };
}

/** A successful tool call's value; fails the test with the error result otherwise. */
export async function toolValue(key: string, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const { result, value } = await callTool(key, name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
  return value;
}

/** An error result carrying the contract's error JSON with this code. */
export async function toolError(key: string, name: string, args: Record<string, unknown>, code: string): Promise<any> {
  const { result, value } = await callTool(key, name, args);
  expect(result.isError, `${name} should fail with ${code}: ${result.content[0]?.text}`).toBe(true);
  expect(value?.error?.code, result.content[0]?.text).toBe(code);
  return value.error;
}
