import type { ExecutionContext } from "hono";
import type { Principal } from "../authz/principal";
import { ApiError } from "../http/errors";
import { inProcessRequest } from "../http/in-process";

// A tool does what its REST request does by making that request: it is dispatched in-process to the same
// Hono app, as the caller the MCP endpoint authenticated, so the route's validation, authorisation,
// denials, audit and guard rails apply to the tool call unchanged, and cannot drift from them.

/** The app's fetch: `app.fetch` of the Worker itself. */
export type AppFetch = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

export interface RestCaller {
  principal: Principal;
  /** The MCP request's id: the REST requests a tool makes carry it, so their audit rows name it. */
  requestId: string;
  /** The deployment's own origin; in-process requests never leave the Worker, but Hono routes on a URL. */
  origin: string;
  env: Env;
  ctx: ExecutionContext;
  fetch: AppFetch;
}

/** A REST answer other than 2xx: its status and the contract's error JSON, which the tool reports as is. */
export class RestFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`The REST request failed with ${status}`);
    this.name = "RestFailure";
  }
}

type QueryValue = string | number | boolean | undefined;

export interface RestRequest {
  query?: Record<string, QueryValue>;
  body?: unknown;
}

export interface RestClient {
  get<T = unknown>(path: string, request?: RestRequest): Promise<T>;
  post<T = unknown>(path: string, request?: RestRequest): Promise<T>;
  put<T = unknown>(path: string, request?: RestRequest): Promise<T>;
  delete<T = unknown>(path: string, request?: RestRequest): Promise<T>;
}

/**
 * Path segments are the caller's values: each is encoded, so none can add a segment or a query, and the
 * two that a URL would resolve away (`.` and `..`) are refused rather than sent to another route.
 */
export function segment(value: string): string {
  if (value === "." || value === "..") throw new ApiError("invalid_request", `'${value}' is not a valid identifier.`, [{ path: "(arguments)", message: "may not be . or .." }]);
  return encodeURIComponent(value);
}

export function restClient(caller: RestCaller): RestClient {
  const call = async <T>(method: string, path: string, { query, body }: RestRequest = {}): Promise<T> => {
    const url = new URL(path, caller.origin);
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers = new Headers({ "x-request-id": caller.requestId });
    let text: string | undefined;
    if (body !== undefined) {
      text = JSON.stringify(body);
      headers.set("content-type", "application/json");
    }
    const request = inProcessRequest(caller.principal, url.toString(), { method, headers, body: text });
    const response = await caller.fetch(request, caller.env, caller.ctx);
    const answer: unknown = await response.json().catch(() => ({ error: { code: "internal", message: "The REST answer was not JSON." } }));
    if (!response.ok) throw new RestFailure(response.status, answer);
    return answer as T;
  };
  return {
    get: (path, request) => call("GET", path, request),
    post: (path, request) => call("POST", path, request),
    put: (path, request) => call("PUT", path, request),
    delete: (path, request) => call("DELETE", path, request),
  };
}
