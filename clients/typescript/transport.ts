import { SwitchyardError, errorFromResponse } from "./errors.ts";
import { MAX_RETRY_AFTER_MS, backoffMs, isRetryable, retryAfterMs, sleep } from "./retry.ts";

/** The `fetch` the client calls: the global one, or any function with its shape (a service binding's). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How the client reaches a Switchyard deployment. */
export interface SwitchyardOptions {
  /** The deployment's origin, e.g. `https://switchyard.example.workers.dev` or `http://localhost:8787`. */
  baseUrl: string;
  /** An agent key (`sy_…`) or the admin token. Sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Replaces the global `fetch` (tests, service bindings, proxies). */
  fetch?: FetchLike;
  /** Per attempt, in milliseconds (default 30 000). A request that takes longer fails with code `timeout`. */
  timeoutMs?: number;
  /** How many times a failed request is sent again (default 2): see {@link Transport.request}. */
  maxRetries?: number;
}

/** Options every call accepts. */
export interface RequestOptions {
  /** Aborts the call, retries included; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call (e.g. a long poll). */
  timeoutMs?: number;
}

/** Options of calls that create something (creating POSTs). */
export interface CreateOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`: a repeat with the same key and body returns the first response and
   * creates nothing new (for 24 h). Without it the client makes a random key per call, so its own
   * retries are safe; pass your own to make retries across processes or restarts safe too.
   */
  idempotencyKey?: string;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type QueryValue = string | number | boolean | undefined;

/** One API call, as a resource describes it. */
export interface TransportRequest {
  method: HttpMethod;
  /** Built with {@link path}, so already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** A body sent as it is, with its own Content-Type (YAML documents), instead of `body` as JSON. */
  text?: { body: string; contentType: string };
  /** A creating POST: carries an `Idempotency-Key`, the same on every retry. */
  creates?: boolean;
  /**
   * Whether sending it twice does no harm, so it may be retried after an answer was lost (network
   * error, timeout). Default: GETs and creating POSTs. A compare-and-set or a DELETE is not: if the
   * lost answer was a success, the repeat would report a misleading 409 or 404.
   */
  replayable?: boolean;
  options?: CreateOptions | undefined;
}

type Attempt = { response: Response; text: string } | { failure: SwitchyardError };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 2;

/**
 * Sends requests to one deployment with one key: authentication, JSON, timeouts, retries and the
 * contract's errors. Every resource (`client/resources/*.ts`) is a thin layer over {@link request}.
 */
export class Transport {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;

  constructor(options: SwitchyardOptions) {
    this.#baseUrl = checkedBaseUrl(options.baseUrl);
    if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
      throw new TypeError("Switchyard: `apiKey` is required: an agent key (sy_…) or the admin token.");
    }
    this.#apiKey = options.apiKey.trim();
    // Looked up per call rather than bound once, so a fetch installed later (a test's mock) is used;
    // and called as a plain function, because the global fetch refuses to run with another `this`.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = integerAtLeast(1, options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.#maxRetries = integerAtLeast(0, options.maxRetries, DEFAULT_MAX_RETRIES, "maxRetries");
  }

  /**
   * Sends the request and returns the parsed JSON of a 2xx answer; throws {@link SwitchyardError}
   * otherwise. Up to `maxRetries` more attempts are made, with exponential backoff and jitter, when
   * the server answers 429 or 503 (honouring `Retry-After` up to a minute), and, for replayable
   * requests, when no answer arrived at all.
   */
  async request<T>(req: TransportRequest): Promise<T> {
    const url = this.#url(req.path, req.query);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: "application/json" };
    let body: string | undefined;
    if (req.text !== undefined) {
      headers["content-type"] = req.text.contentType;
      body = req.text.body;
    } else if (req.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(req.body);
    }
    if (req.creates) headers["idempotency-key"] = req.options?.idempotencyKey ?? crypto.randomUUID();
    const replayable = req.replayable ?? (req.method === "GET" || req.creates === true);
    const signal = req.options?.signal;
    const timeoutMs = integerAtLeast(1, req.options?.timeoutMs, this.#timeoutMs, "timeoutMs");

    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(url, { method: req.method, headers, body }, timeoutMs, signal);
      const retriesLeft = attempt < this.#maxRetries;
      if ("failure" in outcome) {
        if (!replayable || !retriesLeft) throw outcome.failure;
        await sleep(backoffMs(attempt), signal);
        continue;
      }
      const { response, text } = outcome;
      const requestId = response.headers.get("x-request-id") ?? undefined;
      if (response.ok) return parseBody<T>(response.status, text, requestId);
      if (retriesLeft && isRetryable(response.status, response.headers)) {
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? backoffMs(attempt);
        if (wait <= MAX_RETRY_AFTER_MS) {
          await sleep(wait, signal);
          continue;
        }
      }
      throw errorFromResponse(response.status, text, requestId);
    }
  }

  /**
   * Where a WebSocket to `path` connects, and the subprotocols that carry the key: a WebSocket cannot
   * send `Authorization` from a browser. A key that is no valid subprotocol token goes in `api_key`.
   */
  webSocketTarget(path: string, query: Record<string, QueryValue> = {}): { url: string; protocols: string[] } {
    const asProtocol = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(this.#apiKey);
    const url = this.#url(path, asProtocol ? query : { ...query, api_key: this.#apiKey }).replace(/^http/, "ws");
    return { url, protocols: asProtocol ? ["switchyard", `switchyard.key.${this.#apiKey}`] : ["switchyard"] };
  }

  #url(path: string, query: Record<string, QueryValue> | undefined): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.#baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  /** One attempt, its body read within the same timeout. Failures to get an answer are returned, not thrown. */
  async #attempt(url: string, init: RequestInit, timeoutMs: number, signal: AbortSignal | undefined): Promise<Attempt> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const forwardAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", forwardAbort, { once: true });
    try {
      const response = await this.#fetch(url, { ...init, signal: controller.signal });
      return { response, text: await response.text() };
    } catch (err) {
      // The caller's own abort ends the call as they asked: no retry, and their reason, unwrapped.
      if (signal?.aborted) throw signal.reason;
      const failure = timedOut
        ? new SwitchyardError({ status: 0, code: "timeout", message: `No answer from ${url} within ${timeoutMs} ms.` }, { cause: err })
        : new SwitchyardError(
            { status: 0, code: "connection_error", message: `Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}` },
            { cause: err },
          );
      return { failure };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forwardAbort);
    }
  }
}

function parseBody<T>(status: number, text: string, requestId: string | undefined): T {
  if (text === "") return undefined as T;
  try {
    // The contract fixes the answer's shape; the types come from the server's own schemas.
    return JSON.parse(text) as T;
  } catch (err) {
    throw new SwitchyardError(
      { status, requestId, code: "invalid_response", message: `HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}` },
      { cause: err },
    );
  }
}

function checkedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new TypeError(`Switchyard: \`baseUrl\` must be an absolute URL such as http://localhost:8787, not ${JSON.stringify(baseUrl)}.`, {
      cause: err,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Switchyard: \`baseUrl\` must be http(s), not ${url.protocol}`);
  }
  // A deployment may sit under a path prefix; the API's own paths start with "/".
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

function integerAtLeast(min: number, value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new TypeError(`Switchyard: \`${name}\` must be an integer of at least ${min}.`);
  return value;
}
