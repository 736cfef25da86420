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
 * patterns: counts are cheap, patterns and parsers are not. `digitRun` is the most digits in one run of
 * digits and the separators numbers are written with (spaces, dashes, dots, parentheses, `+`, at most
 * three in a row), not glued to a letter: a card needs 12, an SSN 9, a phone number 7, while prose with a
 * few numbers here and there, ids and hashes mostly stay below. `digitDots` counts dots between two digits
 * (an IPv4 address has 3), `hexColons` colons next to a hex digit or another colon (every colon of an
 * IPv6 address is, and it has at least 2).
 */
export type TextProfile = { digitRun: number; at: boolean; dot: boolean; digitDots: number; hexColons: number };

export interface PiiDetector {
  readonly kind: PiiKind;
  /** False when `find` would surely return nothing for a text of this profile. */
  mayMatch(profile: TextProfile): boolean;
  /** Every finding of this kind in `text`, in order, not overlapping each other. */
  find(text: string, context: DetectContext): PiiFinding[];
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHexOrColon = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58;
const isWordLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
// space, no-break and thin spaces, ( ) + - . and /
const isNumberSeparator = (c: number) =>
  c === 32 || c === 0xa0 || c === 0x2009 || c === 0x202f || c === 40 || c === 41 || c === 43 || c === 45 || c === 46 || c === 47;

export function profileText(text: string): TextProfile {
  // A digit run counts from its first digit group that no letter touches to its last digit group that no
  // letter touches (`tsk_8f31…` and `…4273ba2` are ids and hashes, and every digit detector refuses digits
  // glued to a letter): an upper bound on the digits of any candidate the detectors could accept.
  let digitRun = 0;
  let count = -1; // digits since the run's first possible start, or -1 before it
  let separators = 0;
  let at = false;
  let dot = false;
  let digitDots = 0;
  let hexColons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Most characters are lower-case letters: two comparisons, and they end any run.
    if (c >= 97 && c <= 122) {
      count = -1;
      separators = 0;
      continue;
    }
    if (isDigit(c)) {
      // A candidate starts at a digit with no digit or letter before it, and ends at one with none after.
      const before = text.charCodeAt(i - 1);
      if (count < 0 && !isDigit(before) && !isWordLetter(before)) count = 0;
      if (count >= 0) {
        count++;
        const after = text.charCodeAt(i + 1);
        if (count > digitRun && !isDigit(after) && !isWordLetter(after)) digitRun = count;
      }
      separators = 0;
      continue;
    }
    if (!isNumberSeparator(c) || ++separators > 3) {
      count = -1;
      separators = isNumberSeparator(c) ? separators : 0;
    }
    if (c === 64) at = true;
    else if (c === 46) {
      dot = true;
      if (i > 0 && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) digitDots++;
    } else if (c === 58 && (isHexOrColon(text.charCodeAt(i - 1)) || isHexOrColon(text.charCodeAt(i + 1)))) hexColons++;
  }
  return { digitRun, at, dot, digitDots, hexColons };
}

/** A label as words: `phoneNumber`, `phone-number` and `PHONE_NUMBER` all read `phone_number`. */
export function labelWords(label: string): string {
  return label
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_");
}
