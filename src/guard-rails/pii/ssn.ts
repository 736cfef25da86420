/**
 * US Social Security numbers: area-group-serial written `123-45-6789` or `123 45 6789`, never from the
 * ranges the SSA does not issue (area 000, 666 or 900–999, group 00, serial 0000) nor the two numbers it
 * voided after they were printed in public (078-05-1120 on a wallet insert, 219-09-9999 in an
 * advertisement).
 *
 * A bare run of nine digits is an SSN only when it is labelled: a label just before it in the text
 * ("SSN 123456789", "social security no. 123456789") or the name it is filed under (`{"ssn": "…"}`).
 * Unlabelled, nine digits are far more often a ZIP+4, an order or account number or a routing number,
 * and the guard rail would redact the wrong things.
 */
import { labelWords, type DetectContext, type PiiDetector, type PiiFinding } from "./types";

// Not inside a longer number or a word, not a date or a decimal, on either side. Written with spaces, it
// must not continue a longer spaced run of digits either (`12 123 45 6789`); with dashes, a space between
// two numbers is only a space (`111-22-3333 444-55-6666`).
const DASHED = /(?<![\p{L}\p{N}_./-])\d{3}-\d{2}-\d{4}(?![\p{L}\p{N}_]|[-/.]\d)/gu;
const SPACED = /(?<![\p{L}\p{N}_./-]|\d )\d{3} \d{2} \d{4}(?![\p{L}\p{N}_]|[-/.]\d| \d)/gu;
const BARE = /(?<![\p{L}\p{N}_./-])\d{9}(?![\p{L}\p{N}_]|[-/.]\d)/gu;

/** A label that ends right before the digits: "SSN", "SSN:", "SS#", "social security number #". */
const TEXT_LABEL = /(?:\bssn|\bss#|\bs\.s\.n\.?|\bsocial[ -]security(?:[ -](?:number|num|no\.?))?)[\s:#=-]{0,4}$/i;
const LABEL_LOOKBACK = 40;
const KEY_LABEL = /(?:^|_)(?:ssn|ss_no|ss_number|social_security(?:_number|_num|_no)?)(?:_|$)/;

const VOIDED = new Set(["078051120", "219099999"]);

/** Whether nine digits (area, group, serial) could be an issued SSN. */
export function ssnIssuable(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || VOIDED.has(digits)) return false;
  const area = Number(digits.slice(0, 3));
  return area !== 0 && area !== 666 && area < 900 && digits.slice(3, 5) !== "00" && digits.slice(5) !== "0000";
}

function labelled(text: string, start: number, context: DetectContext): boolean {
  if (context.label !== undefined && KEY_LABEL.test(labelWords(context.label))) return true;
  return TEXT_LABEL.test(text.slice(Math.max(0, start - LABEL_LOOKBACK), start));
}

export const ssnDetector: PiiDetector = {
  kind: "ssn",
  mayMatch: (profile) => profile.digitRun >= 9,
  find(text, context) {
    const findings: PiiFinding[] = [];
    for (const written of [DASHED, SPACED]) {
      for (const match of text.matchAll(written)) {
        if (ssnIssuable(match[0].replace(/\D/g, ""))) findings.push({ kind: "ssn", start: match.index, end: match.index + match[0].length, text: match[0] });
      }
    }
    for (const match of text.matchAll(BARE)) {
      if (ssnIssuable(match[0]) && labelled(text, match.index, context)) findings.push({ kind: "ssn", start: match.index, end: match.index + 9, text: match[0] });
    }
    return findings.sort((a, b) => a.start - b.start);
  },
};
