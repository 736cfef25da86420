import { ApiError } from "../http/errors";

// What D1 says when it refuses a statement (no such table, a constraint, syntax SQLite rejects, the wrong
// number of bindings) is the caller's to fix: 422 with D1's message. Only the platform's own trouble is
// a 503, so that clients retry that and nothing else.
const TRANSIENT = /network connection lost|overloaded|timed? ?out|internal error|storage (?:caused object to be )?reset|unavailable|too many requests/i;

export function sqlFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (TRANSIENT.test(message))
    return new ApiError("unavailable", "The database is unavailable for a moment; retry the query.", undefined, { cause: err });
  const said = message
    .replace(/^D1_[A-Z_]*:\s*/, "")
    .replace(/:\s*SQLITE_[A-Z_]+(?:\s*\(extended: [A-Z_]+\))?\s*$/, "")
    .trim();
  const code = /SQLITE_[A-Z_]+/.exec(message)?.[0];
  return new ApiError("unprocessable", `The database refused the statement: ${said}`, code ? { sqlite_code: code } : undefined, { cause: err });
}
