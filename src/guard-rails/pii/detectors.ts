/**
 * The detector registry, keyed by the contract's kinds, and the one call that runs the chosen ones over a
 * string: `findPii`. Each detector only sees strings its cheap test lets through (an `@` for email, seven
 * digits for phone, and so on), so most strings cost one pass of counting.
 */
import type { CountryCode } from "libphonenumber-js/core";
import { creditCardDetector } from "./credit-card";
import { emailDetector } from "./email";
import { ipAddressDetector } from "./ip-address";
import { DEFAULT_PHONE_REGIONS, phoneDetector } from "./phone";
import { ssnDetector } from "./ssn";
import { profileText, type DetectContext, type PiiDetector, type PiiFinding, type PiiKind } from "./types";

export const PII_DETECTORS: Readonly<Record<PiiKind, PiiDetector>> = {
  email: emailDetector,
  phone: phoneDetector,
  credit_card: creditCardDetector,
  ssn: ssnDetector,
  ip_address: ipAddressDetector,
};

export type FindPiiOptions = {
  /** The kinds to look for (a guard rail's `pii.detect`). */
  detect: readonly PiiKind[];
  /** Regions whose national phone formats are read; default `DEFAULT_PHONE_REGIONS` (US, GB). */
  phoneRegions?: readonly CountryCode[] | undefined;
  /** The key the text is filed under, if any (see DetectContext). */
  label?: string | undefined;
  /** Other detectors in place of the registry's (tests compare phone metadata sets with this). */
  detectors?: Partial<Record<PiiKind, PiiDetector>> | undefined;
};

/**
 * When two findings overlap, the stricter format wins a tie of length: a card or an SSN is checked more
 * tightly than a phone number that happens to share its digits.
 */
const PRECEDENCE: Readonly<Record<PiiKind, number>> = { credit_card: 0, ssn: 1, email: 2, ip_address: 3, phone: 4 };

/** Sorted by start, no two overlapping: of two that overlap, the longer stays (then the stricter kind). */
export function withoutOverlaps(findings: readonly PiiFinding[]): readonly PiiFinding[] {
  if (findings.length < 2) return findings;
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end || PRECEDENCE[a.kind] - PRECEDENCE[b.kind]);
  const kept: PiiFinding[] = [];
  for (const f of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || f.start >= last.end) kept.push(f);
    else {
      const longer = f.end - f.start - (last.end - last.start);
      if (longer > 0 || (longer === 0 && PRECEDENCE[f.kind] < PRECEDENCE[last.kind])) kept[kept.length - 1] = f;
    }
  }
  return kept;
}

// A string that is one timestamp and nothing else (`2026-03-01T10:30:00.000Z`, two in every record agents
// write) holds no PII, and would otherwise go through the phone and IPv6 patterns.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

// Most strings hold nothing: they all share this one (never mutated) empty answer.
const NONE: readonly PiiFinding[] = Object.freeze([]);

/** The detectors and settings of one scan, resolved once rather than per string. */
export type PreparedDetection = { detectors: readonly PiiDetector[]; phoneRegions: readonly CountryCode[] };

export function prepareDetection(options: Omit<FindPiiOptions, "label">): PreparedDetection {
  return {
    detectors: [...new Set(options.detect)].map((kind) => options.detectors?.[kind] ?? PII_DETECTORS[kind]),
    phoneRegions: options.phoneRegions ?? DEFAULT_PHONE_REGIONS,
  };
}

/** One pass of the detectors over `text`. */
function detectOnce(text: string, prepared: PreparedDetection, label: string | undefined): readonly PiiFinding[] {
  if (text.length < 3) return NONE;
  const first = text.charCodeAt(0);
  if (first >= 48 && first <= 57 && text.length >= 10 && text.length <= 35 && TIMESTAMP.test(text)) return NONE;
  const profile = profileText(text);
  let context: DetectContext | undefined;
  let findings: readonly PiiFinding[] = NONE;
  for (const detector of prepared.detectors) {
    if (!detector.mayMatch(profile)) continue;
    context ??= { label, phoneRegions: prepared.phoneRegions };
    const found = detector.find(text, context);
    if (found.length > 0) findings = findings.length === 0 ? found : findings.concat(found);
  }
  return withoutOverlaps(findings);
}

/**
 * A finding in the redacted text, placed back in the original, or undefined if it touches a redaction
 * (then it is not text of the original).
 */
function inOriginal(f: PiiFinding, redacted: readonly PiiFinding[]): PiiFinding | undefined {
  let shift = 0;
  for (const r of redacted) {
    const tokenStart = r.start + shift;
    const tokenEnd = tokenStart + redactionOf(r.kind).length;
    if (f.end <= tokenStart) break;
    if (f.start < tokenEnd) return undefined;
    shift += redactionOf(r.kind).length - (r.end - r.start);
  }
  return { ...f, start: f.start - shift, end: f.end - shift };
}

const MAX_PASSES = 4;

/**
 * `findPii` with the options resolved: what scanJson calls for every string.
 *
 * Redaction must leave nothing to find, and taking a finding out can free what it was glued to: in
 * `1::ann@example.com` the `1::` is no address until the email next to it becomes `[REDACTED:email]`.
 * So when a string has findings, its redaction is scanned again, and what turns up there (always text of
 * the original) is reported too, until a pass finds nothing new.
 */
export function findPiiPrepared(text: string, prepared: PreparedDetection, label: string | undefined): readonly PiiFinding[] {
  if (prepared.detectors.length === 0) return NONE;
  let findings = detectOnce(text, prepared, label);
  for (let pass = 1; pass < MAX_PASSES && findings.length > 0; pass++) {
    const freed = detectOnce(redactText(text, findings), prepared, label)
      .map((f) => inOriginal(f, findings))
      .filter((f): f is PiiFinding => f !== undefined);
    if (freed.length === 0) break;
    findings = [...findings, ...freed].sort((a, b) => a.start - b.start);
  }
  return findings;
}

/** Every finding of the chosen kinds in `text`, sorted by start and not overlapping. */
export function findPii(text: string, options: FindPiiOptions): PiiFinding[] {
  return [...findPiiPrepared(text, prepareDetection(options), options.label)];
}

/** The redaction of one finding: `[REDACTED:<kind>]`. */
export const redactionOf = (kind: PiiKind): string => `[REDACTED:${kind}]`;

/** `text` with each finding replaced by its redaction; `findings` sorted by start and not overlapping. */
export function redactText(text: string, findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return text;
  let out = "";
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + redactionOf(f.kind);
    at = f.end;
  }
  return out + text.slice(at);
}
