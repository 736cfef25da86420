import { describe, expect, it } from "vitest";
import { piiPayload } from "../../bench/lib/pii-payload.ts";
import { PII_KINDS, findPii, scanJson } from "../../src/guard-rails/pii";

// Every string an agent writes goes through the detectors, so a hostile one must not cost quadratic time:
// each of these 64 KiB strings is built to make a careless pattern backtrack. Linear work takes
// milliseconds; quadratic work on 64 KiB would take seconds to minutes. (The clock in workerd moves in
// whole milliseconds, and this machine is shared: the bounds are loose on purpose. bench/figures/pii-scan.ts
// measures the real figure.)
const KIB64 = 64 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(KIB64 / unit.length)).slice(0, KIB64);

const HOSTILE: Record<string, string> = {
  "letters then a lone @": `${fill("a")}@`,
  "at signs": fill("@"),
  "almost addresses": fill("a@b."),
  "long local part": `${fill("a.")}@example.com`,
  "long domain": `x@${fill("ab.")}`,
  "digits": fill("1"),
  "digits and spaces": fill("1 "),
  "digits and dots": fill("1."),
  "digits and dashes": fill("1-"),
  "digits and colons": fill("1:"),
  "colons": fill(":"),
  "hex and colons": fill("ab:"),
  "parentheses": fill("(1)"),
  "plus signs": fill("+1 "),
  "pairs of digits": fill("12 34 "),
  "seven digits apart": fill("1234567 "),
  "dotted quads run together": fill("1.2.3.4."),
  "hex": fill("deadbeef0123456789"),
  "labels": fill("SSN phone tel "),
};

function elapsedMs(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

describe("the cost of a scan", () => {
  it("stays linear on hostile strings of 64 KiB", () => {
    for (const [name, text] of Object.entries(HOSTILE)) {
      expect(text.length, name).toBeGreaterThanOrEqual(KIB64);
      const ms = elapsedMs(() => findPii(text, { detect: PII_KINDS }));
      expect(ms, `${name}: ${ms} ms`).toBeLessThan(1000);
    }
  });

  it("scans 64 KiB of agents' usual output in a few milliseconds", () => {
    const value = JSON.parse(JSON.stringify(piiPayload())) as unknown;
    expect(JSON.stringify(value).length).toBeGreaterThanOrEqual(KIB64);
    for (let i = 0; i < 20; i++) scanJson(value, { detect: PII_KINDS, mode: "redact" });
    const rounds = Array.from({ length: 9 }, () => elapsedMs(() => { for (let i = 0; i < 20; i++) scanJson(value, { detect: PII_KINDS, mode: "redact" }); }) / 20);
    const median = rounds.sort((a, b) => a - b)[4]!;
    expect(median, `median ${median} ms per scan`).toBeLessThan(20);
    expect(scanJson(value, { detect: PII_KINDS, mode: "reject" }).findings.length).toBeGreaterThan(0);
  });
});
