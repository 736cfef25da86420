/**
 * IPv4 and IPv6 addresses, validated by the project's own parsers (src/lib/ip-address.ts, the ones the
 * webhook guard uses), so "is this an address" has one answer across Switchyard. Every valid address is
 * reported, private and loopback ones too: a guard rail that hides addresses hides the internal ones first.
 *
 * IPv4: four dotted decimal parts of 0–255. A dotted version is not an address: three parts never are
 * (`1.2.3`), nor four with a pre-release suffix (`1.2.3.4-beta`), a fifth part (`1.2.3.4.5`), a `v`
 * (`v1.2.3.4`), a product name (`Chrome/120.0.0.0`), or a version or section label just before ("version
 * 1.2.3.4", "see section 3.2.1.4").
 * `1.2.3.4` standing alone is an address.
 * IPv6: every spelling the parser reads (`::`, an IPv4 tail, a zone after `%`), with at least one decimal
 * digit: `::` alone and word pairs like `Db::Add` are code, not addresses.
 */
import { parseIpv4, parseIpv6 } from "../../lib/ip-address";
import type { PiiDetector, PiiFinding } from "./types";

const V4 = /(?<![\p{L}\p{N}_.]|[\p{L}_]-|[\p{L}\p{N}_]\/)\d{1,3}(?:\.\d{1,3}){3}(?![\p{L}\p{N}_]|\.\d|-[\p{L}_])/gu;
// Words after which dotted numbers are versions or the numbering of a document, not addresses.
const VERSION_LABEL = /(?:\b(?:v|ver|version|release|build|firmware|fw|rev|revision|section|sect|sec|clause|chapter|ch|figure|fig|table|step|item|rule|para|paragraph|article|art)\.?|§)\s*[:=#]?\s*$/i;
const LABEL_LOOKBACK = 20;

// Bounded (the longest IPv6 spelling with an IPv4 tail is 45 characters), so a long hex run costs one scan.
const V6 = /(?<![\p{L}\p{N}_:.])[0-9a-f:.]{2,45}(?![\p{L}\p{N}_:.])/giu;

function v6Address(candidate: string): string | undefined {
  // A sentence may end right after an address: `… from fe80::1.` or `… is 2001:db8::1:`.
  let text = candidate.replace(/\.+$/, "");
  if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  let colons = 0;
  for (const c of text) if (c === ":") colons++;
  if (colons < 2 || !/\d/.test(text)) return undefined;
  return parseIpv6(text) === undefined ? undefined : text;
}

export const ipAddressDetector: PiiDetector = {
  kind: "ip_address",
  mayMatch: (profile) => profile.digitDots >= 3 || profile.hexColons >= 2,
  find(text) {
    const v4: PiiFinding[] = [];
    if (text.includes(".")) {
      for (const match of text.matchAll(V4)) {
        if (parseIpv4(match[0]) === undefined) continue;
        if (VERSION_LABEL.test(text.slice(Math.max(0, match.index - LABEL_LOOKBACK), match.index))) continue;
        v4.push({ kind: "ip_address", start: match.index, end: match.index + match[0].length, text: match[0] });
      }
    }
    if (!text.includes(":")) return v4;
    const v6: PiiFinding[] = [];
    for (const match of text.matchAll(V6)) {
      const address = v6Address(match[0]);
      if (address !== undefined) v6.push({ kind: "ip_address", start: match.index, end: match.index + address.length, text: address });
    }
    // The IPv4 tail of `::ffff:192.0.2.1` is also read as an IPv4 address: the whole address wins.
    const outside = v4.filter((f) => !v6.some((w) => f.start >= w.start && f.end <= w.end));
    return [...outside, ...v6].sort((a, b) => a.start - b.start);
  },
};
