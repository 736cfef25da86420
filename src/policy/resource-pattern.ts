import { RESOURCE_TYPES } from "../authz/actions";
import { globMatcher, isGlob, type NameMatcher } from "./glob";

/** `<type>:<id glob>`, where type is a resource type or `*`; `*` alone is every resource. */
export interface ResourcePattern {
  /** A resource type, or "*" for any. */
  type: string;
  id: string;
  exact: boolean;
  matches: NameMatcher;
}

/** Names as the contract allows them (agent ids, namespaces, branch and session ids), plus `*`. */
const ID_PATTERN = /^[a-zA-Z0-9._:*-]{1,128}$/;

export type ParsedPattern = { ok: true; pattern: ResourcePattern } | { ok: false; message: string };

export function parseResourcePattern(text: string): ParsedPattern {
  if (text === "*") return { ok: true, pattern: { type: "*", id: "*", exact: false, matches: globMatcher("*") } };
  const colon = text.indexOf(":");
  if (colon < 0) return { ok: false, message: "must be <type>:<name>, e.g. memory:shared-knowledge-base or state:*" };
  const type = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (type !== "*" && !(RESOURCE_TYPES as readonly string[]).includes(type))
    return { ok: false, message: `'${type}' is not a resource type (one of ${RESOURCE_TYPES.join(", ")}, or *)` };
  if (!ID_PATTERN.test(id)) return { ok: false, message: "the name after the type must be 1-128 letters, digits, . _ : - or the glob *" };
  return { ok: true, pattern: { type, id, exact: !isGlob(id), matches: globMatcher(id) } };
}
