/**
 * Email addresses as people write them: `local@domain.tld`. Not the whole of RFC 5322 (quoted local parts,
 * comments and address literals are legal but nobody types them into a chat or a JSON field), and not what
 * only looks like one: `user@localhost` and other names with no dot, `pkg@1.2.3` (the last label must be
 * letters), `icon@2x.png` (a file extension is not a top-level domain), `git@github.com:org/repo` (an SSH
 * remote).
 *
 * Found from each `@` outwards with bounded scans (64 characters left, 253 right, the RFC's limits), never
 * with one regular expression over the whole text: a pattern with a repeated local part backtracks
 * quadratically on a long run of letters followed by a lone `@`, and this runs on every string an agent
 * writes.
 */
import type { PiiDetector, PiiFinding } from "./types";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

// Letters and digits of any script, and the punctuation people actually put in the local part. ASCII is
// answered from a table; only other characters pay for a Unicode property test.
const LOCAL_EXTRA = /[\p{L}\p{N}]/u;
const asciiTable = (extra: string) => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (/[A-Za-z0-9]/.test(String.fromCharCode(c)) || extra.includes(String.fromCharCode(c))) table[c] = 1;
  return table;
};
const LOCAL_ASCII = asciiTable("._%+'-");
const LABEL_ASCII = asciiTable("-");
const isLocalChar = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 128 ? LOCAL_ASCII[code] === 1 : LOCAL_EXTRA.test(c);
};
const isLabelChar = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 128 ? LABEL_ASCII[code] === 1 : LOCAL_EXTRA.test(c);
};
const TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

/**
 * File extensions that are not top-level domains: `name@2x.png` is an image at twice the resolution. Real
 * TLDs that are also extensions (`.zip`, `.mov`, `.py`, `.sh`, `.md`, `.rs`) stay addresses.
 */
const NOT_TLDS = new Set(
  ("png jpg jpeg gif svg webp avif bmp ico tif tiff heic pdf txt csv tsv json jsonl yaml yml toml xml html htm css scss " +
    "js mjs cjs ts tsx jsx map wasm lock log tmp bak exe dll dylib gz tgz tar bz2 xz 7z rar mp3 mp4 wav ogg webm mkv " +
    "avi doc docx xls xlsx ppt pptx odt rtf psd ttf otf woff woff2 eot php java class jar kt swift cpp hpp ini cfg conf env " +
    "localhost invalid example test").split(" "),
);

function domainEnd(text: string, from: number): number | undefined {
  let i = from;
  let labels = 0;
  let lastLabelStart = from;
  while (i - from <= MAX_DOMAIN) {
    const labelStart = i;
    while (i < text.length && i - labelStart < MAX_LABEL + 1 && isLabelChar(text[i]!)) i++;
    const length = i - labelStart;
    if (length === 0 || length > MAX_LABEL || text[labelStart] === "-" || text[i - 1] === "-") return undefined;
    labels++;
    lastLabelStart = labelStart;
    // Another label only if a dot is followed by a label character: `a@b.com.` ends a sentence.
    if (text[i] === "." && i + 1 < text.length && isLabelChar(text[i + 1]!)) i++;
    else break;
  }
  if (labels < 2 || i - from > MAX_DOMAIN) return undefined;
  const tld = text.slice(lastLabelStart, i);
  if (!TLD.test(tld) || NOT_TLDS.has(tld.toLowerCase())) return undefined;
  // `a@b.com_x` or `a@b.com@c`: the address would have to stop in the middle of a word. `git@github.com:org/x`
  // and `deploy@example.com:/srv` are SSH remotes (a host and a path), not mailboxes.
  const next = text[i];
  if (next === "_" || next === "@") return undefined;
  if (next === ":" && i + 1 < text.length && !/\s/.test(text[i + 1]!)) return undefined;
  return i;
}

function localStart(text: string, at: number): number | undefined {
  let s = at;
  while (s > 0 && at - s < MAX_LOCAL && isLocalChar(text[s - 1]!)) s--;
  // Still in a run of local characters after 64: too long to be a local part (a token, base64).
  if (s > 0 && isLocalChar(text[s - 1]!)) return undefined;
  // Leading dots and quotes belong to the sentence: `'ann@example.com'`, `...bob@example.com`.
  while (s < at && (text[s] === "." || text[s] === "'")) s++;
  if (s === at || text[at - 1] === "." || text.slice(s, at).includes("..")) return undefined;
  return s;
}

export const emailDetector: PiiDetector = {
  kind: "email",
  mayMatch: (profile) => profile.at && profile.dot,
  find(text) {
    const findings: PiiFinding[] = [];
    for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
      const start = localStart(text, at);
      if (start === undefined) continue;
      const end = domainEnd(text, at + 1);
      if (end === undefined) continue;
      findings.push({ kind: "email", start, end, text: text.slice(start, end) });
      at = end - 1;
    }
    return findings;
  },
};
