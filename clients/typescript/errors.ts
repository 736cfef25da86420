/**
 * Codes the client itself reports when there is no error JSON from the server to report:
 * `connection_error` (the request never got an HTTP answer), `timeout` (no answer within `timeoutMs`),
 * `invalid_response` (an answer that is not the JSON the contract promises), and `http_<status>`
 * (a non-2xx answer without the contract's error body, e.g. from a proxy).
 */
export type ClientErrorCode = "connection_error" | "timeout" | "invalid_response" | `http_${number}`;

/** The contract's error codes (`api-v1.md`, "Conventions"), plus the server's 500 and 503. */
export type ApiErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unprocessable"
  | "guard_rail"
  | "rate_limited"
  | "internal"
  | "unavailable";

/** What a {@link SwitchyardError} is built from. */
export interface SwitchyardErrorInit {
  status: number;
  code: ApiErrorCode | ClientErrorCode | (string & {});
  message: string;
  details?: unknown;
  requestId?: string | undefined;
}

/**
 * Every failed call throws this: a non-2xx answer (with the server's `{"error": {code, message,
 * details}}`), or a request that got no usable answer at all (`status` 0).
 *
 * @example
 * try {
 *   await client.state.set("writer", "draft", text, { expectedVersion: 3 });
 * } catch (err) {
 *   if (err instanceof SwitchyardError && err.code === "conflict") {
 *     // someone else wrote first: re-read and merge
 *   } else throw err;
 * }
 */
export class SwitchyardError extends Error {
  /** The HTTP status, or 0 when no HTTP answer arrived (network failure, timeout). */
  readonly status: number;
  /** The contract's error code (`forbidden`, `conflict`, …) or one of {@link ClientErrorCode}. */
  readonly code: SwitchyardErrorInit["code"];
  /** The error body's `details`: failing field paths for 400, action/resource/policy for 403. */
  readonly details: unknown;
  /** The server's `X-Request-Id` for this call: quote it when asking what happened. */
  readonly requestId: string | undefined;

  constructor(init: SwitchyardErrorInit, options?: ErrorOptions) {
    super(init.message, options);
    this.name = "SwitchyardError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
  }
}

/** The code a status travels with in the contract, for error answers that carry no error JSON. */
const CODE_OF_STATUS: Record<number, ApiErrorCode> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  422: "unprocessable",
  429: "rate_limited",
  500: "internal",
  503: "unavailable",
};

/**
 * The error for a non-2xx answer. The body is the contract's error JSON when it comes from Switchyard;
 * anything else (a proxy's HTML page, an empty body) still yields a usable error.
 */
export function errorFromResponse(status: number, bodyText: string, requestId: string | undefined): SwitchyardError {
  const error = contractError(bodyText);
  if (error) return new SwitchyardError({ status, requestId, ...error });
  const snippet = bodyText.trim().slice(0, 200);
  return new SwitchyardError({
    status,
    requestId,
    code: CODE_OF_STATUS[status] ?? `http_${status}`,
    message: `HTTP ${status} without an error body from Switchyard${snippet ? `: ${snippet}` : ""}`,
  });
}

function contractError(bodyText: string): Pick<SwitchyardErrorInit, "code" | "message" | "details"> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined; // not JSON: the caller describes the answer by its status instead
  }
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message, details } = body.error;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return { code, message, details };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
