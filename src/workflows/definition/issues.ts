import { ApiError } from "../../http/errors";

/** A mistake or a warning in a definition, where the user wrote it. */
export interface DefinitionIssue {
  /** A field path as the document spells it: `coordination.workers[2].name`, `(body)` for the whole. */
  path: string;
  /** 1-based, from the YAML; null for JSON bodies and for checks of a stored definition. */
  line: number | null;
  column: number | null;
  message: string;
}

/** A path as a list of keys and indexes, before it is written out. */
export type IssuePath = readonly (string | number)[];

/** An issue before it is placed in the source. */
export interface PendingIssue {
  path: IssuePath;
  message: string;
  /** For an unknown field, the key is what is wrong: point at it rather than at its value. */
  atKey?: boolean;
}

export function formatPath(path: IssuePath): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : part;
  return out || "(body)";
}

/** The 400 for a definition with mistakes: `details` lists each with its place. */
export function definitionError(issues: DefinitionIssue[], what = "workflow definition"): ApiError {
  const first = issues[0];
  const where = first ? `${first.path}${first.line === null ? "" : ` (line ${first.line}, column ${first.column})`}: ${first.message}` : "it is invalid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new ApiError("invalid_request", `Invalid ${what}: ${where}${more}`, issues);
}
