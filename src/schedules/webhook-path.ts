/**
 * Where a webhook trigger listens. Hooks live under `/hooks/`, and a workflow may write the path with or
 * without that prefix: `/hooks/revenue-report` (as in the seed), `hooks/revenue-report` and
 * `revenue-report` are all `/hooks/revenue-report`. A path is one or more segments of letters, digits and
 * `. _ ~ -` (URL-safe without escaping, so the stored path is exactly what a request's URL shows),
 * compared as written (URLs are case-sensitive).
 */
export const HOOKS_PREFIX = "/hooks/";
const SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;
const MAX_PATH_LENGTH = 200;

export type HookPathResult = { ok: true; path: string } | { ok: false; message: string };

export function normaliseHookPath(raw: string): HookPathResult {
  let rest = raw.trim().replace(/^\/+/, "");
  if (rest === "hooks" || rest.startsWith("hooks/")) rest = rest.slice("hooks".length).replace(/^\/+/, "");
  rest = rest.replace(/\/+$/, "");
  if (rest === "") return { ok: false, message: `'${raw}' names no hook; write a name such as /hooks/revenue-report or revenue-report` };
  const segments = rest.split("/");
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad === "") return { ok: false, message: `'${raw}' is not a hook path: it has an empty segment (//)` };
  if (bad !== undefined) {
    return {
      ok: false,
      message: `'${raw}' is not a hook path: '${bad}' must be letters, digits and . _ ~ - (not starting with a dot), with / between segments`,
    };
  }
  const path = HOOKS_PREFIX + segments.join("/");
  if (path.length > MAX_PATH_LENGTH) return { ok: false, message: `'${raw}' is longer than ${MAX_PATH_LENGTH} characters` };
  return { ok: true, path };
}
