import { ApiError } from "../http/errors";

// How the guard says no. A statement of a refused kind, a function outside the allow-list or syntax it
// does not support is the request's fault: 400, and nothing is recorded. Touching a table that is never
// reachable (key material, a system table written) is a refusal of access: 403, recorded as a policy
// denial by the route like any other, so that supervisors see who tried.

export function refusedSyntax(message: string): ApiError {
  return new ApiError("invalid_request", message, [{ path: "sql", message }]);
}

export type TableAction = "query:read" | "query:write";

/** 403 for a table no principal may touch this way; the route records it in `_policy_denials`. */
export class RefusedTableError extends ApiError {
  constructor(
    readonly table: string,
    readonly action: TableAction,
    readonly reason: string,
  ) {
    super("forbidden", `SQL may not ${action === "query:read" ? "read" : "change"} table '${table}': ${reason}.`, {
      action,
      resource: `table:${table}`,
      policy_id: null,
      reason,
    });
    this.name = "RefusedTableError";
  }
}

/** 422 with the parser's own message: the statement is not SQLite SQL. */
export function unparsable(message: string, cause: unknown): ApiError {
  // The parser lists every token it would have accepted; the first line and the pointer say enough.
  const lines = message.split("\n").filter((line) => !line.startsWith("Was expecting"));
  return new ApiError("unprocessable", `The SQL does not parse: ${lines.join("\n")}`, undefined, { cause });
}
