import minMetadata from "libphonenumber-js/metadata.min.json";
import maxMetadata from "libphonenumber-js/metadata.max.json";
import mobileMetadata from "libphonenumber-js/metadata.mobile.json";
import { describe, expect, it } from "vitest";
import { PII_KINDS } from "../../src/guard-rails/pii";
import { createPhoneDetector } from "../../src/guard-rails/pii/phone";
import { PII_CORPUS } from "./pii-corpus";
import { scoreCorpus, scoreTable } from "./pii-metrics";

describe("the PII corpus", () => {
  it("holds at least 300 strings, with positives of every kind and near-misses", () => {
    expect(PII_CORPUS.length).toBeGreaterThanOrEqual(300);
    for (const kind of PII_KINDS) expect(PII_CORPUS.filter((e) => e.expect.some(([k]) => k === kind)).length, kind).toBeGreaterThanOrEqual(25);
    expect(PII_CORPUS.filter((e) => e.expect.length === 0).length).toBeGreaterThanOrEqual(120);
    // Every expected text is really in its string (a typo would silently cost recall).
    for (const entry of PII_CORPUS) for (const [, text] of entry.expect) expect(entry.text, text).toContain(text);
  });

  it("finds every kind with precision ≥ 0.97 and recall ≥ 0.95", () => {
    const score = scoreCorpus(PII_CORPUS);
    console.log(`PII detectors over ${PII_CORPUS.length} strings:\n${scoreTable(score)}`);
    if (score.falsePositives.length) console.log(`false positives:\n  ${score.falsePositives.join("\n  ")}`);
    if (score.misses.length) console.log(`misses:\n  ${score.misses.join("\n  ")}`);
    for (const kind of PII_KINDS) {
      expect(score.kinds[kind].precision, `${kind} precision`).toBeGreaterThanOrEqual(0.97);
      expect(score.kinds[kind].recall, `${kind} recall`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("needs libphonenumber's max metadata: min reads many regions by length alone, mobile misses landlines", () => {
    const withMetadata = (metadata: typeof minMetadata) =>
      scoreCorpus(PII_CORPUS, { detect: PII_KINDS, detectors: { phone: createPhoneDetector(metadata) } }).kinds.phone;
    const max = scoreCorpus(PII_CORPUS).kinds.phone;
    const min = withMetadata(minMetadata);
    const mobile = withMetadata(mobileMetadata);
    const line = (name: string, s: typeof max) => `| ${name} | ${s.found} | ${s.truePositives} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} |`;
    console.log(["phone by metadata set:", "| metadata | found | correct | precision | recall |", "|---|---|---|---|---|", line("max", max), line("min", min), line("mobile", mobile)].join("\n"));
    expect(mobile.recall).toBeLessThan(0.95);
    // Numbers of the right length in ranges no operator was given: min takes them, max does not.
    const unassigned = ["+49 123 918273", "+64 9 123 8462", "+971 4 129 3847", "+91 10293 84756"];
    const finds = (metadata: typeof minMetadata) => unassigned.filter((n) => createPhoneDetector(metadata).find(n, { phoneRegions: ["US", "GB"] }).length > 0);
    expect(finds(maxMetadata)).toEqual([]);
    expect(finds(minMetadata).length).toBeGreaterThanOrEqual(3);
  });
});
