import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "./errors";

/** Agent ids and namespaces are chosen by users; the contract fixes their shape. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,127}$/;

export const AgentIdSchema = z
  .string()
  .regex(NAME_PATTERN, "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)")
  .openapi({ example: "research-agent" });

/**
 * Any JSON value. One named instance for every field that takes free JSON: `z.json()` is recursive, and
 * the OpenAPI generator can only describe a recursive schema through a named component it refers back to
 * (an unnamed one unrolls until the stack overflows, and /openapi.json answers 500).
 */
export const JsonValueSchema = z.json().openapi("JsonValue", { description: "Any JSON value." });

export const TimestampSchema = z.string().openapi({ example: "2026-11-21T10:30:00.000Z", format: "date-time" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  invalid_request: "The request is malformed; `details` lists the failing field paths.",
  unauthorized: "No valid key was presented.",
  forbidden: "The caller may not do this; `details` names the action, resource and policy.",
  not_found: "The resource does not exist.",
  conflict: "The resource changed, already exists, or is in a state that refuses this.",
  payload_too_large: "The body or a value in it is over its size limit.",
  unprocessable: "The request is well formed but cannot be carried out.",
  rate_limited: "Too many requests.",
  internal: "An internal error.",
  unavailable: "A dependency or configuration is missing.",
};

/** The error responses a route documents: 400/401/403 always, plus those it names. */
export function errorResponses(...codes: ErrorCode[]) {
  const all = new Set<ErrorCode>(["invalid_request", "unauthorized", "forbidden", ...codes]);
  return Object.fromEntries(
    [...all].map((code) => [
      ERROR_STATUS[code],
      { description: ERROR_DESCRIPTIONS[code], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
}

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: "A retry with the same key returns the first response and creates nothing new (kept 24 h)." }),
});

/**
 * An integer in a query string, for every route: plain decimal digits and nothing else. Coercing with
 * `Number()` would take `0x10`, `1e2`, `+5`, ` 5` and even an empty value (as 0), numbers the client never
 * meant to send; here they are a 400 naming the parameter.
 */
export function queryInteger(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^[0-9]{1,15}$/, "must be a plain decimal integer (digits only)")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export const ListQuery = z.object({
  limit: queryInteger(1, 100).default(50).openapi({ description: "Page size, 1-100 (default 50)." }),
  cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
