import { describe, expect, it } from "vitest";
import { PII_KINDS, scanJson } from "../../src/guard-rails/pii";

const all = PII_KINDS;

/** Deep-freezes a value, so a test fails if the scan writes to its input. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

describe("scanJson", () => {
  it("reports each finding with the JSON path of its string", () => {
    const value = frozen({ customer: { name: "Ann", emails: ["x", "y", "ann@example.com"], "home phone": "+44 20 7946 0958" }, note: "none" });
    const { findings } = scanJson(value, { detect: all, mode: "reject" });
    expect(findings).toEqual([
      { kind: "email", start: 0, end: 15, text: "ann@example.com", path: "$.customer.emails[2]", part: "value" },
      { kind: "phone", start: 0, end: 16, text: "+44 20 7946 0958", path: '$.customer["home phone"]', part: "value" },
    ]);
  });

  it("redacts each finding as [REDACTED:<kind>], leaving structure and other values as they were", () => {
    const value = frozen({ id: 7, ok: true, none: null, score: 0.5, msg: "mail bob@example.com or call (415) 555-0132", list: [1, "ssn 123-45-6789", { ip: "10.0.0.1" }] });
    const { value: redacted, findings } = scanJson(value, { detect: all, mode: "redact" });
    expect(redacted).toEqual({
      id: 7,
      ok: true,
      none: null,
      score: 0.5,
      msg: "mail [REDACTED:email] or call [REDACTED:phone]",
      list: [1, "ssn [REDACTED:ssn]", { ip: "[REDACTED:ip_address]" }],
    });
    expect(findings.map((f) => `${f.kind} ${f.path}`)).toEqual(["email $.msg", "phone $.msg", "ssn $.list[1]", "ip_address $.list[2].ip"]);
  });

  it("copies only the containers on the way to a change; untouched branches are the input's own", () => {
    const untouched = { deep: ["a", { b: "c" }] };
    const value = frozen({ keep: untouched, change: { email: "ann@example.com", other: [1, 2] }, tail: [3] });
    const { value: redacted } = scanJson(value, { detect: all, mode: "redact" });
    expect(redacted).not.toBe(value);
    expect(redacted.keep).toBe(untouched);
    expect(redacted.tail).toBe(value.tail);
    expect(redacted.change).not.toBe(value.change);
    expect(redacted.change.other).toBe(value.change.other);
    expect(Object.keys(redacted)).toEqual(["keep", "change", "tail"]);
  });

  it("makes no copy at all when nothing is found, and none in reject mode", () => {
    const clean = frozen({ a: ["text", 1, { b: "2024-03-15T10:30:00Z" }] });
    expect(scanJson(clean, { detect: all, mode: "redact" }).value).toBe(clean);
    const dirty = frozen({ a: ["ann@example.com"] });
    const rejected = scanJson(dirty, { detect: all, mode: "reject" });
    expect(rejected.value).toBe(dirty);
    expect(rejected.findings).toHaveLength(1);
  });

  it("leaves nothing to find after redaction, even what a finding was glued to", () => {
    // `1::` is an IPv6 address once the email glued to it is gone.
    const { value, findings } = scanJson({ a: "1::ann@example.com" }, { detect: all, mode: "redact" });
    expect(findings.map((f) => [f.kind, f.text, f.start])).toEqual([
      ["ip_address", "1::", 0],
      ["email", "ann@example.com", 3],
    ]);
    expect(value).toEqual({ a: "[REDACTED:ip_address][REDACTED:email]" });
    expect(scanJson(value, { detect: all, mode: "redact" }).findings).toEqual([]);
  });

  it("looks only for the kinds asked for", () => {
    const value = { a: "ann@example.com", b: "(415) 555-0132" };
    expect(scanJson(value, { detect: ["phone"], mode: "redact" }).value).toEqual({ a: "ann@example.com", b: "[REDACTED:phone]" });
    expect(scanJson(value, { detect: [], mode: "redact" }).value).toBe(value);
  });

  it("reads keys too: a key that carries PII is reported, redacted, and never spelled out in a path", () => {
    const value = frozen({ contacts: { "ann@example.com": { phone: "+44 20 7946 0958" } } });
    const { value: redacted, findings } = scanJson(value, { detect: all, mode: "redact" });
    expect(redacted).toEqual({ contacts: { "[REDACTED:email]": { phone: "[REDACTED:phone]" } } });
    expect(findings).toEqual([
      { kind: "email", start: 0, end: 15, text: "ann@example.com", path: '$.contacts["[REDACTED:email]"]', part: "key" },
      { kind: "phone", start: 0, end: 16, text: "+44 20 7946 0958", path: '$.contacts["[REDACTED:email]"].phone', part: "value" },
    ]);
    const rejected = scanJson(value, { detect: all, mode: "reject" });
    expect(rejected.findings.map((f) => f.path)).toEqual(['$.contacts["[REDACTED:email]"]', '$.contacts["[REDACTED:email]"].phone']);
  });

  it("keeps every member when redacted keys would collide, in their order", () => {
    const value = { "a@example.com": 1, "[REDACTED:email]": 2, "b@example.com": 3, plain: 4 };
    const { value: redacted } = scanJson(value, { detect: ["email"], mode: "redact" });
    expect(Object.entries(redacted)).toEqual([
      ["[REDACTED:email] (2)", 1],
      ["[REDACTED:email]", 2],
      ["[REDACTED:email] (3)", 3],
      ["plain", 4],
    ]);
  });

  it("keeps a __proto__ key as an own member and never touches a prototype", () => {
    const value = JSON.parse('{"__proto__": {"polluted": "ann@example.com"}, "x": "call (415) 555-0132"}') as Record<string, unknown>;
    const { value: redacted } = scanJson(value, { detect: all, mode: "redact" });
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.hasOwn(redacted, "__proto__")).toBe(true);
    expect(JSON.stringify(redacted)).toBe('{"__proto__":{"polluted":"[REDACTED:email]"},"x":"call [REDACTED:phone]"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("labels strings with their key, and array items with the key above them", () => {
    const value = { ssn: "123456789", phones: ["4155550132", "2125550199"], order_id: "4155550132", nested: { ssn: [["512345678"]] } };
    const { findings } = scanJson(value, { detect: all, mode: "reject" });
    expect(findings.map((f) => `${f.kind} ${f.path}`)).toEqual(["ssn $.ssn", "phone $.phones[0]", "phone $.phones[1]", "ssn $.nested.ssn[0][0]"]);
  });

  it("reads national phone formats of the regions it is given", () => {
    const value = { tel: "01 42 68 53 00" };
    expect(scanJson(value, { detect: ["phone"], mode: "reject" }).findings).toEqual([]);
    expect(scanJson(value, { detect: ["phone"], mode: "reject", phoneRegions: ["FR"] }).findings).toHaveLength(1);
  });

  it("walks any depth without recursion: 100,000 levels", () => {
    let value: unknown = "ann@example.com";
    for (let i = 0; i < 100_000; i++) value = i % 2 ? [value] : { n: value };
    const { findings, value: redacted } = scanJson(value, { detect: all, mode: "redact" });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path.length).toBeGreaterThan(200_000);
    let inner: unknown = redacted;
    for (let i = 100_000 - 1; i >= 0; i--) inner = i % 2 ? (inner as unknown[])[0] : (inner as { n: unknown }).n;
    expect(inner).toBe("[REDACTED:email]");
  });

  it("scans a lone string, and leaves other lone values alone", () => {
    expect(scanJson("SSN 123-45-6789", { detect: all, mode: "redact" })).toEqual({
      findings: [{ kind: "ssn", start: 4, end: 15, text: "123-45-6789", path: "$", part: "value" }],
      value: "SSN [REDACTED:ssn]",
    });
    for (const v of [null, 0, 1.5, true, false]) expect(scanJson(v, { detect: all, mode: "redact" })).toEqual({ findings: [], value: v });
  });

  it("writes JSONPath segments for every kind of key", () => {
    const value = { plain_key1: { "with space": { 'quote"d': { "": { $dollar: ["ann@example.com"] } } } } };
    const { findings } = scanJson(value, { detect: ["email"], mode: "reject" });
    expect(findings[0]!.path).toBe('$.plain_key1["with space"]["quote\\"d"][""].$dollar[0]');
  });
});
