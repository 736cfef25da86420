/**
 * HTTP from Node with the built-in fetch (undici, keep-alive), only ever to 127.0.0.1. A timed request
 * counts from just before fetch until the whole response body is read.
 */
const REQUEST_TIMEOUT_MS = 60_000;

export class HttpError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(method: string, url: string, status: number, body: string) {
    super(`${method} ${url} answered ${status}: ${body.slice(0, 300)}`);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

export type RequestSpec = {
  method: "GET" | "PUT" | "POST" | "DELETE";
  url: string;
  /** JSON text, already serialised so the client's own work stays out of the timing. */
  body?: string;
  key?: string;
  headers?: Record<string, string>;
};

function init(spec: RequestSpec): RequestInit {
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.key) headers.authorization = `Bearer ${spec.key}`;
  if (spec.body !== undefined) headers["content-type"] ??= "application/json";
  return { method: spec.method, headers, body: spec.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
}

/** One request, timed; throws HttpError unless the status is 2xx. Returns milliseconds. */
export async function timedRequest(spec: RequestSpec): Promise<number> {
  const options = init(spec);
  const started = performance.now();
  const res = await fetch(spec.url, options);
  const text = await res.text();
  const ms = performance.now() - started;
  if (!res.ok) throw new HttpError(spec.method, spec.url, res.status, text);
  return ms;
}

/** One request whose answer matters: returns status and parsed JSON (or null). */
export async function request<T = unknown>(spec: RequestSpec): Promise<{ status: number; json: T | null; ms: number }> {
  const options = init(spec);
  const started = performance.now();
  const res = await fetch(spec.url, options);
  const text = await res.text();
  const ms = performance.now() - started;
  let json: T | null = null;
  try {
    json = text ? (JSON.parse(text) as T) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, ms };
}

/** Like request, but anything other than the expected status is an error that says what came back. */
export async function expectJson<T>(spec: RequestSpec, status = 200): Promise<T> {
  const res = await request<T>(spec);
  if (res.status !== status) throw new HttpError(spec.method, spec.url, res.status, JSON.stringify(res.json));
  return res.json as T;
}
