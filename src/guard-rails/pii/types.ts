/**
 * The shapes shared by the PII detectors, the registry and the JSON walk. Kinds and their names are the
 * contract's (`pii.detect` in a guard rail): email, phone, credit_card, ssn, ip_address.
 */
import type { CountryCode } from "libphonenumber-js/core";

export const PII_KINDS = ["email", "phone", "credit_card", "ssn", "ip_address"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One piece of PII inside a string: `text` is `string.slice(start, end)` (UTF-16 offsets, end exclusive). */
export type PiiFinding = { kind: PiiKind; start: number; end: number; text: string };

/**
 * What a detector may use besides the text. `label` is the name the text is filed under, when there is one
 * (the JSON member's key, or the nearest key above an array item): `{"ssn": "123456789"}` labels a bare
 * run of digits that alone would be too ambiguous to report. `phoneRegions` are the regions whose national
 * formats are read (numbers written with `+` or an international prefix are read whatever the list).
 */
export type DetectContext = { label?: string | undefined; phoneRegions: readonly CountryCode[] };

/**
 * What one pass over a string learned, so each detector can say "nothing here" without running its
 * patterns: counts are cheap, parsers are not.
 */
export type TextProfile = { digits: number; at: boolean; dot: boolean; colons: number };

export interface PiiDetector {
  readonly kind: PiiKind;
  /** False when `find` would surely return nothing for a text of this profile. */
  mayMatch(profile: TextProfile): boolean;
  /** Every finding of this kind in `text`, in order, not overlapping each other. */
  find(text: string, context: DetectContext): PiiFinding[];
}

export function profileText(text: string): TextProfile {
  let digits = 0;
  let at = false;
  let dot = false;
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64) at = true;
    else if (c === 46) dot = true;
    else if (c === 58) colons++;
  }
  return { digits, at, dot, colons };
}

/** A label as words: `phoneNumber`, `phone-number` and `PHONE_NUMBER` all read `phone_number`. */
export function labelWords(label: string): string {
  return label
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_");
}

/** Word characters (ASCII letters, digits, `_`) and any letter: what may not touch a finding's edge. */
export const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
