/**
 * Phone numbers, validated by libphonenumber-js against its full ("max") metadata: a number is reported only
 * when `isValid()` holds (its digits fit a number range the region actually assigns), not merely
 * `isPossible()` (a plausible length). The smaller sets fall short (docs/guard-rails.md has the figures):
 * with "min", `isValid()` checks little more than the length for many regions (`+49 123 918273` passes),
 * and "mobile" knows mobile ranges only and misses every landline. "max" costs about 157 KB of the Worker
 * bundle (min: 83 KB), well inside a Worker's limit.
 *
 * Which text is tried (the library's own text matcher costs ~100 µs a call, too slow for every string an
 * agent writes, so candidates are found here and only they are parsed):
 * - international: `+` then the country code (`+44 20 7946 0958`, `+1-415-555-0132`, `+14155550132`), or
 *   an international prefix (`00 44 …`, `011 44 …`); whatever the regions;
 * - national: in the formats people write (`(415) 555-0132`, `415.555.0132`, `020 7946 0958`), for each of
 *   the regions given (default US and GB), and only as that region writes them (a UK number needs its
 *   leading 0, so the timestamp `1700000000` is not the UK number 01700 000000);
 * - a bare run of digits with no `+` and no separators (`4155550132`) only when labelled: a word like
 *   "phone", "tel", "call" just before it, or filed under a key such as `phone` or `mobile`. Bare runs are
 *   mostly ids and timestamps; people who write a number for a person usually format it.
 * Never: dates (`2024-03-15 10…`), dotted quads (IP addresses), runs glued to a word or a `-`/`#` (ids like
 * `ORD-4155550132`), groupings no number uses (a last group of one digit, as in ISBNs; North American
 * numbers other than 3-3-4), placeholders (`555-5555`, `020 1234 5678`).
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type MetadataJson, type PhoneNumber } from "libphonenumber-js/core";
import maxMetadata from "libphonenumber-js/metadata.max.json";
import { labelWords, type DetectContext, type PiiDetector, type PiiFinding } from "./types";

/** The regions whose national formats are read when a guard rail names none. */
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = ["US", "GB"];

/** Whether `code` is a region the phone detector can read (ISO 3166-1 alpha-2, as libphonenumber knows them). */
export const isPhoneRegion = (code: string): code is CountryCode => isSupportedCountry(code as CountryCode, maxMetadata);

// A run of digits with the separators numbers are written with (spaces include the no-break and thin spaces
// that text copied from web pages carries), 7 to 17 digits, maximal: not preceded or followed by more digits
// (across up to 3 separators), and not glued to a word, an id's dash or hash, a currency sign, or a decimal
// point.
const CANDIDATE =
  /(?<![\p{L}\p{N}_+#$€£¥.\/@-]|\d[ \u00a0\u2009\u202f().-]{1,3})(?:\+[ \u00a0\u2009\u202f]?|\(\+?)?\d(?:[ \u00a0\u2009\u202f().-]{0,3}\d){6,22}\)?(?![\p{L}\p{N}_]|[ \u00a0\u2009\u202f().-]{0,3}\d|[.-][\p{L}\p{N}])/gu;
const OTHER_SPACES = /[\u00a0\u2009\u202f]/g;
const MAX_DIGITS = 17;

const TEXT_LABEL = /\b(?:phone|telephone|tel|mobile|mob|cell|cellphone|fax|call|ring|text|sms|whatsapp)\b[^\p{N}\n]{0,16}$/iu;
const LABEL_LOOKBACK = 32;
const KEY_LABEL = /(?:^|_)(?:phone|phones|telephone|tel|mobile|mobiles|cell|cellphone|fax|msisdn|whatsapp|sms)(?:_|$)/;
const DATE_START = /^(?:(?:19|20)\d\d([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])([-./])(?:0?[1-9]|[12]\d|3[01])\2(?:19|20)\d\d)(?!\d)/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

type Written = { groups: string[]; international: boolean; separated: boolean };

/**
 * Reads how a candidate is written: its digit groups, whether it starts with `+`, whether it is more than one
 * bare run. Undefined for shapes no one writes a number in: unbalanced or nested parentheses, separators
 * other than one space, one dash or dot (with spaces around it) or a parenthesis, a one-digit group after
 * the first (or, after a `+`, after the country code), a one-digit last group.
 */
function readWritten(candidate: string): Written | undefined {
  const text = candidate;
  const international = text.startsWith("+") || text.startsWith("(+");
  const groups: string[] = [];
  const separators: string[] = [];
  let opened = 0;
  let separator = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c >= "0" && c <= "9") {
      let j = i;
      while (j < text.length && text[j]! >= "0" && text[j]! <= "9") j++;
      if (groups.length > 0) separators.push(separator);
      groups.push(text.slice(i, j));
      separator = "";
      i = j;
      continue;
    }
    if (c === "(") {
      if (opened > 0) return undefined;
      opened = 1;
    } else if (c === ")") {
      if (opened !== 1) return undefined;
      opened = 2;
    } else if (c !== "+" || i !== 0) separator += c;
    i++;
  }
  if (opened === 1) return undefined;
  for (const s of separators) if (!/^(?:| |[ ]?[-.][ ]?)$/.test(s)) return undefined;
  if (groups.length > 1 && groups[groups.length - 1]!.length === 1) return undefined;
  const oneDigitAllowed = international ? 2 : 1;
  if (groups.some((g, k) => k >= oneDigitAllowed && g.length === 1)) return undefined;
  return { groups, international, separated: groups.length > 1 || opened > 0 };
}

const digitsOf = (text: string) => text.replace(/\D/g, "");

/**
 * North American numbers are written 3-3-4 (area code, exchange, line), after an optional 1, or in one run:
 * `512-34-5678` is an SSN's shape and `12-3456-7890` a serial number's, whatever the digits would dial.
 */
function groupedAsNorthAmerican(groups: readonly string[]): boolean {
  const rest = groups.length > 1 && groups[0] === "1" ? groups.slice(1) : groups;
  const shape = rest.map((g) => g.length).join("-");
  return shape === "3-3-4" || shape === "3-7" || rest.length === 1;
}

/** A region's reading of national digits counts only if the digits are the number as that region writes it. */
function writtenNationally(digits: string, phone: PhoneNumber): boolean {
  if (digits === digitsOf(phone.formatNational())) return true;
  // North American numbers are written with or without the trunk 1: `1-800-555-0199`.
  return phone.countryCallingCode === "1" && digits === `1${phone.nationalNumber}`;
}

/**
 * Placeholders that happen to fall in assigned ranges: a line part of one repeated digit (`555-5555`,
 * `020 0000 0000`) or counting up (`020 1234 5678`). Real numbers of that shape are vanishingly rare.
 */
function placeholder(digits: string): boolean {
  const line = digits.slice(-7);
  if (/^(\d)\1{6}$/.test(line)) return true;
  for (let i = 1; i < line.length; i++) if ((line.charCodeAt(i - 1) - 48 + 1) % 10 !== line.charCodeAt(i) - 48) return false;
  return true;
}

function validPhone(candidate: string, written: Written, regions: readonly CountryCode[], metadata: MetadataJson): boolean {
  const digits = written.groups.join("");
  if (digits.length < 7 || digits.length > MAX_DIGITS || placeholder(digits)) return false;
  const fits = (phone: PhoneNumber | undefined, groups: readonly string[]) =>
    phone?.isValid() === true && (phone.countryCallingCode !== "1" || groupedAsNorthAmerican(groups));
  if (written.international) return fits(parsePhoneNumberFromString(candidate, metadata), written.groups);
  for (const prefix of ["00", "011"]) {
    if (!digits.startsWith(prefix)) continue;
    // The international prefix is its own group (`00 44 …`) or the start of the first (`0044 …`).
    const first = written.groups[0]!;
    const groups = first.length > prefix.length ? [first.slice(prefix.length), ...written.groups.slice(1)] : written.groups.slice(1);
    if (fits(parsePhoneNumberFromString(`+${digits.slice(prefix.length)}`, metadata), groups)) return true;
  }
  for (const region of regions) {
    const phone = parsePhoneNumberFromString(candidate, region, metadata);
    if (fits(phone, written.groups) && writtenNationally(digits, phone!)) return true;
  }
  return false;
}

function labelled(text: string, start: number, context: DetectContext): boolean {
  if (context.label !== undefined && KEY_LABEL.test(labelWords(context.label))) return true;
  return TEXT_LABEL.test(text.slice(Math.max(0, start - LABEL_LOOKBACK), start));
}

/**
 * A phone detector over the given libphonenumber-js metadata. Switchyard uses `phoneDetector` (max metadata);
 * the others exist so the tests can show what the smaller sets would cost in precision and recall.
 */
export function createPhoneDetector(metadata: MetadataJson): PiiDetector {
  return {
    kind: "phone",
    mayMatch: (profile) => profile.digitRun >= 7,
    find(text, context) {
      const findings: PiiFinding[] = [];
      for (const match of text.matchAll(CANDIDATE)) {
        let candidate = match[0];
        let start = match.index;
        // `(415) …` keeps its parenthesis; a lone `(` before a number is the sentence's.
        if (candidate.startsWith("(") && !candidate.includes(")")) {
          candidate = candidate.slice(1);
          start++;
        }
        if (candidate.endsWith(")") && !candidate.includes("(")) candidate = candidate.slice(0, -1);
        if (DATE_START.test(candidate) || DOTTED_QUAD.test(candidate)) continue;
        const normalised = candidate.replace(OTHER_SPACES, " ");
        const written = readWritten(normalised);
        if (!written) continue;
        if (!written.international && !written.separated && !labelled(text, start, context)) continue;
        if (validPhone(normalised, written, context.phoneRegions, metadata)) {
          findings.push({ kind: "phone", start, end: start + candidate.length, text: candidate });
        }
      }
      return findings;
    },
  };
}

export const phoneDetector: PiiDetector = createPhoneDetector(maxMetadata);
