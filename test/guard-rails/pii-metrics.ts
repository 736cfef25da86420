/** Precision and recall of the detectors over a labelled corpus, per kind, with the misses named. */
import { PII_KINDS, findPii, type FindPiiOptions, type PiiKind } from "../../src/guard-rails/pii";
import type { CorpusEntry } from "./pii-corpus";

export type KindScore = { kind: PiiKind; expected: number; found: number; truePositives: number; precision: number; recall: number };
export type CorpusScore = {
  kinds: Record<PiiKind, KindScore>;
  /** Found but not expected: `kind: text (in "…")`. */
  falsePositives: string[];
  /** Expected but not found. */
  misses: string[];
};

export function scoreCorpus(corpus: readonly CorpusEntry[], options: Omit<FindPiiOptions, "label"> = { detect: PII_KINDS }): CorpusScore {
  const counts = Object.fromEntries(PII_KINDS.map((k) => [k, { expected: 0, found: 0, truePositives: 0 }])) as Record<PiiKind, { expected: number; found: number; truePositives: number }>;
  const falsePositives: string[] = [];
  const misses: string[] = [];
  for (const entry of corpus) {
    const findings = findPii(entry.text, { ...options, label: entry.label });
    const open = [...entry.expect];
    for (const [kind] of entry.expect) counts[kind].expected++;
    for (const f of findings) {
      counts[f.kind].found++;
      const at = open.findIndex(([kind, text]) => kind === f.kind && text === f.text);
      if (at >= 0) {
        counts[f.kind].truePositives++;
        open.splice(at, 1);
      } else falsePositives.push(`${f.kind}: ${f.text} (in ${JSON.stringify(entry.text)})`);
    }
    for (const [kind, text] of open) misses.push(`${kind}: ${text} (in ${JSON.stringify(entry.text)})`);
  }
  const kinds = Object.fromEntries(
    PII_KINDS.map((kind) => {
      const c = counts[kind];
      // No findings at all: nothing was wrongly reported, so precision is 1 (recall says the rest).
      return [kind, { kind, ...c, precision: c.found === 0 ? 1 : c.truePositives / c.found, recall: c.expected === 0 ? 1 : c.truePositives / c.expected }];
    }),
  ) as Record<PiiKind, KindScore>;
  return { kinds, falsePositives, misses };
}

/** The table docs/guard-rails.md quotes, as Markdown. */
export function scoreTable(score: CorpusScore): string {
  const rows = PII_KINDS.map((k) => {
    const s = score.kinds[k];
    return `| ${k} | ${s.expected} | ${s.found} | ${s.truePositives} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} |`;
  });
  return ["| kind | expected | found | correct | precision | recall |", "|---|---|---|---|---|---|", ...rows].join("\n");
}
