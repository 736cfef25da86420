import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";

export const ADMIN = env.ADMIN_TOKEN;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** One HTTP call into the Worker, as a client would make it. */
export async function api<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const res = await SELF.fetch(`https://switchyard.test${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (the /docs page): the text is the body
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

let counter = 0;
/** An agent id no other test uses. */
export const uniqueId = (prefix = "agent") => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Registers an agent and returns its id and a fresh key. */
export async function newAgent(role: "agent" | "reader" | "admin" = "agent", attributes: Record<string, unknown> = {}) {
  const agentId = uniqueId(role);
  const created = await api("POST", "/v1/agents", { body: { agent_id: agentId, role, attributes } });
  if (created.status !== 201) throw new Error(`could not create agent: ${JSON.stringify(created.body)}`);
  const key = await api("POST", `/v1/agents/${agentId}/keys`);
  if (key.status !== 201) throw new Error(`could not issue key: ${JSON.stringify(key.body)}`);
  return { agentId, key: key.body.api_key as string, keyId: key.body.key_id as string };
}

export async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql).bind(...params).first<{ n: number }>();
  return row?.n ?? 0;
}

export function expectError(res: ApiResponse, status: number, code: string) {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

let requestCounter = 0;
/** A fresh `X-Request-Id`, so a test can find exactly the rows its request wrote. */
export const newRequestId = (label = "t") => `${label}-${Date.now().toString(36)}-${(requestCounter++).toString(36)}`;

export interface AuditRow {
  audit_id: string;
  agent_id: string;
  action: string;
  resource: string;
  status: string;
  request_id: string | null;
  at: string;
  details: string | null;
}

/** The `_audit_log` rows written under one request id. */
export async function auditRowsFor(requestId: string): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM _audit_log WHERE request_id = ? ORDER BY at, audit_id").bind(requestId).all<AuditRow>();
  return results;
}

/** The field paths a 400 names in `details`. */
export function invalidPaths(res: ApiResponse): string[] {
  expectError(res, 400, "invalid_request");
  const details: unknown = res.body.error.details;
  if (!Array.isArray(details)) throw new Error(`400 without a details list: ${JSON.stringify(res.body)}`);
  return details.map((d: { path: string }) => d.path);
}

/** A JSON string value whose JSON text (quotes included) is exactly `bytes` bytes of UTF-8. */
export const stringOfJsonBytes = (bytes: number) => "x".repeat(bytes - 2);

/** The ISO-8601 UTC timestamp with milliseconds that the contract uses everywhere. */
export const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
