import type { z } from "@hono/zod-openapi";
import type { IssuePath, PendingIssue } from "./issues";

type Issue = z.core.$ZodIssue;

/**
 * zod's issues as a user would want them: an unknown field named itself (not the object holding it),
 * and a value that fits none of a union's forms explained by the form it was closest to, at that
 * form's path, instead of "Invalid input" on the union.
 */
export function pendingIssues(issues: readonly Issue[], prefix: IssuePath = []): PendingIssue[] {
  return issues.flatMap((issue) => pendingIssue(issue, prefix));
}

function pendingIssue(issue: Issue, prefix: IssuePath): PendingIssue[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((key) => ({ path: [...path, key], message: "is not a known field; remove it or check its spelling", atKey: true }));
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // Forms the value was not even the right kind of thing for (an object where a string goes) say
    // nothing useful; the first form that got further says what to fix.
    const closer = issue.errors.find((branch) => !branch.every((i) => i.code === "invalid_type" && i.path.length === 0));
    if (closer) return pendingIssues(closer, path);
  }
  return [{ path, message: issue.message }];
}
