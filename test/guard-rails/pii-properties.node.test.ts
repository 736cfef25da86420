import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PII_DETECTORS, PII_KINDS, findPii, scanJson, type PiiDetector, type PiiKind } from "../../src/guard-rails/pii";
import { ssnIssuable } from "../../src/guard-rails/pii/ssn";
import { PII_CORPUS } from "./pii-corpus";

// Pieces of PII that are found standing alone (no label needed), to plant in generated values.
const SAMPLES = [...new Set(PII_CORPUS.filter((e) => e.label === undefined).flatMap((e) => e.expect.map(([, text]) => text)))].filter((text) => {
  const found = findPii(text, { detect: PII_KINDS });
  return found.length === 1 && found[0]!.text === text;
});

// Text dense in the characters the detectors care about, so generated strings often come close to PII.
const filler = fc.string({ unit: fc.constantFrom(..."abxyzé 0123456789 -.()+@:/_#,"), maxLength: 24 });
const text = fc.oneof(filler, fc.tuple(filler, fc.constantFrom(...SAMPLES), filler).map(([a, pii, b]) => `${a} ${pii} ${b}`));
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("ssn", "phone", "phones", "id", "__proto__", "[REDACTED:email]"), fc.constantFrom(...SAMPLES));
const leaf = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("json"), { maxLength: 4 }), fc.dictionary(key, tie("json"), { maxKeys: 4 })),
}));

/** Same shape: containers where containers were, same lengths and key counts, same non-string leaves. */
function sameShape(before: unknown, after: unknown): boolean {
  if (typeof before === "string") return typeof after === "string";
  if (Array.isArray(before)) return Array.isArray(after) && after.length === before.length && before.every((v, i) => sameShape(v, after[i]));
  if (before !== null && typeof before === "object") {
    if (after === null || typeof after !== "object" || Array.isArray(after)) return false;
    const a = Object.values(before);
    const b = Object.values(after);
    return a.length === b.length && a.every((v, i) => sameShape(v, b[i]));
  }
  return Object.is(before, after);
}

const redact = (value: unknown) => scanJson(value, { detect: PII_KINDS, mode: "redact" });

describe("PII properties", () => {
  it("plants pieces of every kind", () => {
    for (const kind of PII_KINDS) expect(SAMPLES.filter((s) => findPii(s, { detect: PII_KINDS })[0]!.kind === kind).length, kind).toBeGreaterThan(10);
  });

  it("redaction is idempotent: a redacted value has no findings, and is returned as is", () => {
    fc.assert(
      fc.property(json, (value) => {
        const once = redact(value);
        const twice = redact(once.value);
        expect(twice.findings).toEqual([]);
        expect(twice.value).toBe(once.value);
      }),
      { numRuns: 300 },
    );
  });

  it("the walk keeps the shape and every value that is not a string", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(sameShape(value, redact(value).value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("reject mode reports what redact mode replaces, and returns its input", () => {
    fc.assert(
      fc.property(json, (value) => {
        const rejected = scanJson(value, { detect: PII_KINDS, mode: "reject" });
        expect(rejected.value).toBe(value);
        expect(rejected.findings.map((f) => [f.kind, f.part, f.text])).toEqual(redact(value).findings.map((f) => [f.kind, f.part, f.text]));
      }),
      { numRuns: 200 },
    );
  });

  it("findings in any string are in bounds, in order, apart, and are the text they say", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 30 })), (s) => {
        const findings = findPii(s, { detect: PII_KINDS });
        let end = 0;
        for (const f of findings) {
          expect(f.start).toBeGreaterThanOrEqual(end);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(s.length);
          expect(s.slice(f.start, f.end)).toBe(f.text);
          end = f.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the cheap pre-filters never hide a finding", () => {
    const unfiltered: Partial<Record<PiiKind, PiiDetector>> = {};
    for (const kind of PII_KINDS) unfiltered[kind] = { ...PII_DETECTORS[kind], mayMatch: () => true };
    const dense = fc.string({ unit: fc.constantFrom(..."aF_x 0123456789 -.()+@:/#,\u00a0"), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(text, dense), fc.option(fc.constantFrom("ssn", "phone", "id"), { nil: undefined }), (s, label) => {
        expect(findPii(s, { detect: PII_KINDS, label })).toEqual(findPii(s, { detect: PII_KINDS, label, detectors: unfiltered }));
      }),
      { numRuns: 2000 },
    );
  });

  it("finds any Luhn-valid number of a known brand, written plain or in printed groups", () => {
    const brands: [prefix: string, length: number][] = [
      ["4", 16], ["4", 19], ["51", 16], ["55", 16], ["2221", 16], ["2720", 16], ["34", 15], ["37", 15], ["6011", 16], ["65", 19],
      ["3528", 16], ["3589", 19], ["36", 14], ["300", 16], ["62", 16], ["62", 19], ["6759", 12], ["5018", 18],
    ];
    const check = (body: string) => {
      let sum = 0;
      for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
        let d = Number(body[i]);
        if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      return String((10 - (sum % 10)) % 10);
    };
    const number = fc
      .tuple(fc.constantFrom(...brands), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 18, maxLength: 18 }), fc.constantFrom("plain", " ", "-"))
      .map(([[prefix, length], fill, style]) => {
        const body = (prefix + fill.join("")).slice(0, length - 1);
        const digits = body + check(body);
        if (style === "plain") return digits;
        const groups = length === 15 ? [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)] : digits.match(/.{1,4}/g)!;
        return groups.join(style);
      });
    fc.assert(
      fc.property(number, (n) => {
        expect(findPii(`paid with ${n}, thanks`, { detect: ["credit_card"] }).map((f) => f.text)).toEqual([n]);
      }),
      { numRuns: 500 },
    );
  });

  it("finds an SSN exactly when the SSA could have issued it", () => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 9999 }), fc.constantFrom("-", " "), (area, group, serial, sep) => {
        const written = [pad(area, 3), pad(group, 2), pad(serial, 4)].join(sep);
        const expected = ssnIssuable(written.replace(/\D/g, "")) ? [written] : [];
        expect(findPii(`record ${written} ok`, { detect: ["ssn"] }).map((f) => f.text)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("finds any IPv4 address, and any IPv6 address in full or compressed form", () => {
    const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((b) => b.join("."));
    const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":"));
    // The URL parser writes IPv6 hosts the canonical (RFC 5952) way: the longest run of zero groups as `::`.
    const compressed = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    fc.assert(
      fc.property(v4, v6, fc.boolean(), (a, b, compress) => {
        const six = compress ? compressed(b) : b;
        // An address with no decimal digit (`ab::cd`) is not reported: code like `Db::Add` looks the same.
        const expected = /\d/.test(six) ? [a, six] : [a];
        expect(findPii(`from ${a} and ${six} today`, { detect: ["ip_address"] }).map((f) => f.text)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("finds any address of the usual shape", () => {
    const local = fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9_+-]{0,6}$/), { minLength: 1, maxLength: 3 }).map((parts) => parts.join("."));
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const address = fc
      .tuple(local, fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom("com", "org", "net", "io", "de", "co.uk", "dev", "app", "museum"))
      .map(([l, labels, tld]) => `${l}@${labels.join(".")}.${tld}`);
    fc.assert(
      fc.property(address, (a) => {
        expect(findPii(`mail ${a}, please`, { detect: ["email"] }).map((f) => f.text)).toEqual([a]);
      }),
      { numRuns: 500 },
    );
  });
});
