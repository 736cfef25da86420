import { SwitchyardError } from "./errors.ts";

/**
 * Builds a request path with every interpolated value encoded as one path segment:
 * path`/v1/state/${agentId}/${key}`. A value containing `/`, `?` or `#` stays inside its segment
 * instead of reaching another route. Resource methods are `async`, so a refused id reaches the caller
 * as a rejected promise, like every other failure.
 */
export function path(strings: TemplateStringsArray, ...segments: string[]): string {
  let out = strings[0] ?? "";
  segments.forEach((segment, i) => {
    out += encodeSegment(segment) + (strings[i + 1] ?? "");
  });
  return out;
}

function encodeSegment(segment: string): string {
  // URL parsers resolve `.` and `..` (even as %2E) before the request leaves, so such a segment would
  // silently address a different resource; an empty one would address the collection.
  if (typeof segment !== "string" || segment === "" || segment === "." || segment === "..") {
    throw new SwitchyardError({
      status: 0,
      code: "invalid_request",
      message: `${JSON.stringify(segment)} cannot be used as an id in a URL: ids are non-empty and not '.' or '..'.`,
    });
  }
  return encodeURIComponent(segment);
}
