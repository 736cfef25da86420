/**
 * Payment card numbers: a brand's issuer prefix (IIN), a length that brand issues, and the Luhn check digit,
 * written as one run of digits or in groups separated by one kind of separator (spaces or dashes) the way
 * cards print them: fours (the last group shorter), or Amex's 4-6-5 and Diners' 4-6-4.
 *
 * Visa is 16 or 19 digits (not the retired 13: see the table). Luhn is required for every brand, UnionPay included (a few old UnionPay ranges were issued without a
 * valid check digit; those are missed rather than report every 16-digit run that starts with 62).
 */
import type { PiiDetector, PiiFinding } from "./types";

export type CardBrand = "visa" | "mastercard" | "amex" | "discover" | "jcb" | "diners" | "unionpay" | "maestro";

type IinRange = { brand: CardBrand; from: string; to: string; lengths: readonly number[] };

const range = (from: number, to: number, lo: number, hi: number) => ({ from: String(from), to: String(to), lengths: lengths(lo, hi) });
const lengths = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/**
 * Issuer ranges (from the brands' published IIN tables), most specific first: Discover's co-branded
 * 622126–622925 sits inside UnionPay's 62, and Maestro's 6759 would otherwise be read as nothing at all.
 */
const IIN_RANGES: readonly IinRange[] = [
  { brand: "discover", ...range(622126, 622925, 16, 19) },
  { brand: "maestro", ...range(5018, 5018, 12, 19) },
  { brand: "maestro", ...range(5020, 5020, 12, 19) },
  { brand: "maestro", ...range(5038, 5038, 12, 19) },
  { brand: "maestro", ...range(5893, 5893, 12, 19) },
  { brand: "maestro", ...range(6304, 6304, 12, 19) },
  { brand: "maestro", ...range(6759, 6759, 12, 19) },
  { brand: "maestro", ...range(6761, 6763, 12, 19) },
  { brand: "mastercard", ...range(2221, 2720, 16, 16) },
  { brand: "discover", ...range(6011, 6011, 16, 19) },
  { brand: "jcb", ...range(3528, 3589, 16, 19) },
  { brand: "diners", ...range(3095, 3095, 14, 19) },
  { brand: "diners", ...range(300, 305, 14, 19) },
  { brand: "discover", ...range(644, 649, 16, 19) },
  { brand: "amex", ...range(34, 34, 15, 15) },
  { brand: "amex", ...range(37, 37, 15, 15) },
  { brand: "diners", ...range(36, 36, 14, 19) },
  { brand: "diners", ...range(38, 39, 14, 19) },
  { brand: "mastercard", ...range(51, 55, 16, 16) },
  { brand: "discover", ...range(65, 65, 16, 19) },
  { brand: "unionpay", ...range(62, 62, 16, 19) },
  // Visa's 13-digit numbers are long retired, and EAN-13 barcodes from the 40–44 prefixes (German goods)
  // would pass: one in ten is Luhn-valid by chance.
  { brand: "visa", from: "4", to: "4", lengths: [16, 19] },
];

/** The brand whose prefix and length the digits have, or undefined (the check digit is not looked at). */
export function cardBrand(digits: string): CardBrand | undefined {
  for (const r of IIN_RANGES) {
    const prefix = digits.slice(0, r.from.length);
    if (prefix >= r.from && prefix <= r.to) return r.lengths.includes(digits.length) ? r.brand : undefined;
  }
  return undefined;
}

/** The Luhn (mod 10) check over all the digits, check digit last. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function groupedAsPrinted(groups: readonly number[]): boolean {
  if (groups.length === 1) return true;
  const [a, b, c] = groups;
  if (groups.length === 3 && a === 4 && b === 6 && (c === 5 || c === 4)) return true;
  const last = groups[groups.length - 1]!;
  return groups.slice(0, -1).every((g) => g === 4) && last >= 1 && last <= 4;
}

// 12 to 24 digits, optionally in groups. Not part of a longer number (a digit, or a digit and one
// separator, on either side), not a decimal, not glued to a word (`ORD-4111…`, `…1111x`). Past 19 digits
// only a grouped run can hold a card: `4111 1111 1111 1111 1225` is a number and then its expiry.
const CANDIDATE = /(?<![\p{L}\p{N}_.,]|\d[ -]|[\p{L}_]-)\d(?:[ -]?\d){11,23}(?![\p{L}\p{N}_]|[ -]\d|[.,]\d|-[\p{L}_])/gu;

/** The card in a run written as `written`: the whole run, or (grouped) its longest leading groups that are one. */
function cardIn(written: string): string | undefined {
  const groups = written.split(/[ -]/);
  for (let count = groups.length; count >= 1; count--) {
    const candidate = groups.slice(0, count);
    const digits = candidate.join("");
    if (digits.length < 12) return undefined;
    if (digits.length > 19 || !groupedAsPrinted(candidate.map((g) => g.length))) continue;
    if (cardBrand(digits) !== undefined && luhnValid(digits)) return written.slice(0, digits.length + count - 1);
  }
  return undefined;
}

export const creditCardDetector: PiiDetector = {
  kind: "credit_card",
  mayMatch: (profile) => profile.digitRun >= 12,
  find(text) {
    const findings: PiiFinding[] = [];
    for (const match of text.matchAll(CANDIDATE)) {
      const written = match[0];
      if (new Set(written.replace(/\d/g, "")).size > 1) continue;
      const card = cardIn(written);
      if (card !== undefined) findings.push({ kind: "credit_card", start: match.index, end: match.index + card.length, text: card });
    }
    return findings;
  },
};
