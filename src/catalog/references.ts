import { gt, maxSatisfying, parse, rcompare, validRange } from "semver";

// Versions and references, pure: what a version string is, how versions order, and which version a
// reference (`1.2.0`, `latest`, `^1.2`) picks from an agent's published versions. The D1 side is resolve.ts.

/** The longest version or reference accepted (the `semver` package refuses longer input too). */
export const MAX_VERSION_LENGTH = 256;

export interface ParsedVersion {
  /** As written, build metadata included. */
  version: string;
  /** Without build metadata: its identity under semver precedence. */
  key: string;
  prerelease: boolean;
}

/**
 * A semver 2.0 version exactly as the specification writes it: no `v` or `=` prefix, no spaces, no
 * leading zeros. `semver.parse` alone would accept `v1.2.3` and print it back as `1.2.3`.
 */
export function parseVersion(text: string): ParsedVersion | null {
  if (text.length > MAX_VERSION_LENGTH) return null;
  const parsed = parse(text);
  if (!parsed) return null;
  const written = parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join(".")}` : parsed.version;
  if (written !== text) return null;
  return { version: text, key: parsed.version, prerelease: parsed.prerelease.length > 0 };
}

/** What a version must look like, for error messages. */
export const VERSION_HINT = "must be a semver 2.0 version such as 1.3.0 or 1.3.0-beta.1 (no leading v)";

/** Highest first, by semver precedence (build metadata takes no part). */
export const compareDescending = (a: string, b: string): number => rcompare(a, b);

export type Reference =
  | { kind: "exact"; version: string; key: string }
  | { kind: "latest" }
  | { kind: "range"; range: string }
  | { kind: "invalid"; message: string };

/** Reads a reference: an exact version (a pin), `latest`, or a semver range. */
export function parseReference(ref: string): Reference {
  if (ref === "latest") return { kind: "latest" };
  if (ref.trim() === "") return { kind: "invalid", message: "is empty: give a version (1.2.0), `latest` or a range (^1.2)" };
  if (ref.length > MAX_VERSION_LENGTH) return { kind: "invalid", message: `is longer than ${MAX_VERSION_LENGTH} characters` };
  const exact = parseVersion(ref);
  if (exact) return { kind: "exact", version: exact.version, key: exact.key };
  if (validRange(ref) !== null) return { kind: "range", range: ref };
  return { kind: "invalid", message: `'${ref}' is neither a version (1.2.0), \`latest\` nor a semver range (^1.2, ~1.3.0, >=1.2 <2)` };
}

/** The part of a published version that resolution looks at. */
export interface VersionStatus {
  version: string;
  versionKey: string;
  prerelease: boolean;
  deprecated: boolean;
  promoted: boolean;
}

export type Resolution<V> = { ok: true; version: V; pinned: boolean } | { ok: false; message: string };

export interface ResolveOptions {
  /** Whether an exact pin of a deprecated version resolves: yes for a run, no for a new or changed definition. */
  allowDeprecatedPin: boolean;
}

/**
 * The version a reference picks now. `latest`: the promoted version unless it is deprecated, else the
 * highest version that is neither deprecated nor a pre-release. A range: its highest non-deprecated
 * match, pre-releases only where the range names one (as `semver` decides). An exact pin: that version.
 */
export function resolveReference<V extends VersionStatus>(agent: string, ref: string, versions: readonly V[], options: ResolveOptions): Resolution<V> {
  const reference = parseReference(ref);
  if (reference.kind === "invalid") return { ok: false, message: `The version reference ${reference.message}.` };
  if (versions.length === 0) return { ok: false, message: `Agent '${agent}' has no published versions; publish one with POST /v1/agents/${agent}/versions.` };

  if (reference.kind === "exact") {
    const found = versions.find((v) => v.versionKey === reference.key);
    if (!found) return { ok: false, message: `Agent '${agent}' has no version ${reference.version}${availableHint(versions)}.` };
    if (found.deprecated && !options.allowDeprecatedPin)
      return { ok: false, message: `Version ${found.version} of '${agent}' is deprecated: new or changed workflows may not pin it; pin a current version${availableHint(versions)}.` };
    return { ok: true, version: found, pinned: true };
  }

  const live = versions.filter((v) => !v.deprecated);
  if (reference.kind === "latest") {
    const promoted = live.find((v) => v.promoted);
    if (promoted) return { ok: true, version: promoted, pinned: false };
    const highest = highestOf(live.filter((v) => !v.prerelease));
    if (highest) return { ok: true, version: highest, pinned: false };
    return { ok: false, message: `Agent '${agent}' has no version that \`latest\` can pick: every one is deprecated or a pre-release; publish or promote one.` };
  }

  const match = maxSatisfying(live.map((v) => v.version), reference.range);
  const picked = match === null ? undefined : live.find((v) => v.version === match);
  if (picked) return { ok: true, version: picked, pinned: false };
  return { ok: false, message: `No non-deprecated version of '${agent}' satisfies '${reference.range}'${availableHint(versions)}.` };
}

function highestOf<V extends VersionStatus>(versions: readonly V[]): V | undefined {
  let best: V | undefined;
  for (const v of versions) if (!best || gt(v.version, best.version)) best = v;
  return best;
}

/** "; published: 1.3.0, 1.2.0 (deprecated), …" — the few highest, so a typo is easy to see. */
function availableHint(versions: readonly VersionStatus[]): string {
  const shown = [...versions].sort((a, b) => compareDescending(a.version, b.version)).slice(0, 5);
  const list = shown.map((v) => (v.deprecated ? `${v.version} (deprecated)` : v.version)).join(", ");
  return `; published: ${list}${versions.length > shown.length ? ", …" : ""}`;
}
