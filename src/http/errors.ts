import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";

/** The error codes of the contract, each with the HTTP status it always travels with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  /** A guard rail refused the write (api-v1-coordination.md, "Guard rails"); details: rule, path, kind. */
  guard_rail: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error the API reports to its caller as `{"error": {code, message, details}}`. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError("not_found", `${what} '${id}' does not exist.`);

export interface FieldIssue {
  path: string;
  message: string;
}

/** Field paths as users write them: `metadata.topic`, `items[2].key`, or `(body)` for the whole body. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(body)";
}

/** One entry per failing field: an unknown field is named itself, not the object that holds it. */
function fieldIssues(error: ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: fieldPath([...issue.path, key]), message: "is not a known field; remove it" }))
      : [{ path: fieldPath(issue.path), message: issue.message }],
  );
}

export function invalidFromZod(error: ZodError, where?: string): ApiError {
  const issues = fieldIssues(error);
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : "the request is invalid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new ApiError("invalid_request", `Invalid ${where ?? "request"}: ${summary}${more}.`, issues, {
    cause: error,
  });
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** The one error handler: every failure leaves as the contract's error JSON. */
export function onError(err: Error, c: Context): Response {
  const apiError = toApiError(err);
  const requestId: string | undefined = c.get("requestId");
  if (apiError.status >= 500) console.error(`[${requestId ?? "-"}]`, err);
  // The request-id middleware stamps responses that come back through it; an error thrown past it
  // (the not-found handler's, for one) does not, so the error response carries the id itself.
  if (requestId) c.header("X-Request-Id", requestId);
  const retryAfter = retryAfterSeconds(apiError);
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  return c.json(errorBody(apiError.code, apiError.message, apiError.details), apiError.status);
}

/** A 429 whose details say when to come back (`retry_after_seconds`) travels with `Retry-After`. */
function retryAfterSeconds(error: ApiError): number | undefined {
  if (error.code !== "rate_limited" || typeof error.details !== "object" || error.details === null) return undefined;
  const seconds = (error.details as { retry_after_seconds?: unknown }).retry_after_seconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

function toApiError(err: Error): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return invalidFromZod(err);
  if (err instanceof HTTPException) {
    // Hono raises these for bodies it cannot parse or that are too large: they are the caller's fault.
    if (err.status === 413) return new ApiError("payload_too_large", "The request body is too large.", undefined, { cause: err });
    if (err.status === 401) return new ApiError("unauthorized", err.message || "Authentication required.");
    // The validators' own refusals: say what to send instead, and name the failing part like any field.
    if (err.status === 415)
      return new ApiError("invalid_request", "Send the body as JSON with `Content-Type: application/json`.", [
        { path: "Content-Type", message: "must be application/json" },
      ], { cause: err });
    if (err.status === 400 && /malformed json/i.test(err.message))
      return new ApiError("invalid_request", "The request body is not valid JSON.", [{ path: "(body)", message: "is not valid JSON" }], {
        cause: err,
      });
    if (err.status < 500)
      return new ApiError("invalid_request", err.message || "The request could not be read.", undefined, { cause: err });
  }
  return new ApiError("internal", "An internal error occurred; the request id identifies it in the logs.", undefined, {
    cause: err,
  });
}
