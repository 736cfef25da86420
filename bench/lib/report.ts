/** The bench's output: one table of figures (to stdout and bench/RESULTS.md), then the details behind it. */
import type { BenchConfig } from "./config.ts";
import type { MachineInfo } from "./machine.ts";
import { ratio, type Summary } from "./stats.ts";

export type Row = {
  issue: string;
  figure: string;
  value?: Summary;
  floorName?: string;
  floor?: Summary;
  goal?: string;
  /** true pass, false fail, undefined when there is no goal or it cannot be judged. */
  pass?: boolean;
  /** Why a figure is missing or how to read it. */
  note?: string;
};

export type SeedingRecord = {
  from: number;
  to: number;
  target: number;
  seconds: number;
  /** Memories stored per second. */
  rate: number;
  /** Requests that failed after their retries. */
  failed: number;
  stoppedByDeadline: boolean;
  /** Which route and how many memories a request. */
  via: string;
};

export type RecallReport =
  | { status: "pending"; reason: string }
  | {
      status: "measured";
      fixture: string;
      memories: number;
      questions: number;
      distractors: number;
      recall: { keyword: number; vector: number; hybrid: number };
      hybridBeatsBoth: boolean;
      missedByHybrid: string[];
    };

export type Report = {
  machine: MachineInfo;
  command: string;
  config: BenchConfig;
  durationSeconds: number;
  loadAtEnd: string;
  rows: Row[];
  seeding: SeedingRecord[];
  recall: RecallReport;
  diagnosis: string[];
  notes: string[];
};

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "–" : v < 10 ? v.toFixed(2) : v.toFixed(1));
const times = (v: number) => (Number.isNaN(v) ? "–" : `${v.toFixed(2)}×`);
const verdict = (row: Row) => (row.pass === undefined ? (row.note?.startsWith("pending") ? "pending" : "–") : row.pass ? "PASS" : "FAIL");

const headers = ["issue", "figure", "n", "p50 ms", "p95 ms", "floor", "floor p50", "floor p95", "÷floor p50", "÷floor p95", "goal", "result"];

function cells(row: Row): string[] {
  const v = row.value;
  const f = row.floor;
  return [
    row.issue,
    row.figure,
    v ? String(v.n) : "–",
    ms(v?.p50),
    ms(v?.p95),
    row.floorName ?? "–",
    ms(f?.p50),
    ms(f?.p95),
    v && f ? times(ratio(v.p50, f.p50)) : "–",
    v && f ? times(ratio(v.p95, f.p95)) : "–",
    row.goal ?? "–",
    verdict(row),
  ];
}

function recallRows(recall: RecallReport): string[][] {
  if (recall.status === "pending") return [["Shared memory", "recall@5 (keyword / vector / hybrid)", "–", "–", "–", "–", "–", "–", "–", "–", "hybrid > both", "pending"]];
  const r = recall.recall;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    [
      "Shared memory",
      `recall@5 keyword ${pct(r.keyword)} / vector ${pct(r.vector)} / hybrid ${pct(r.hybrid)}`,
      String(recall.questions),
      "–", "–", "–", "–", "–", "–", "–",
      "hybrid > both",
      recall.hybridBeatsBoth ? "PASS" : "FAIL",
    ],
  ];
}

export function textTable(report: Report): string {
  const rows = [headers, ...report.rows.map(cells), ...recallRows(report.recall)];
  const widths = headers.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

function markdownTable(report: Report): string {
  const rows = [...report.rows.map(cells), ...recallRows(report.recall)];
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

export function markdown(report: Report): string {
  const m = report.machine;
  const c = report.config;
  const out: string[] = [];
  out.push("# Switchyard bench results", "");
  out.push(
    "Written by `npm run bench` (bench/run.ts); every run overwrites this file. Latencies are end to end from Node's `fetch`",
    "(keep-alive) to a local `wrangler dev --local` on 127.0.0.1, sequential requests, in milliseconds. Each figure is divided by",
    "a floor measured in the same run, interleaved with it in rounds (see bench/floor/worker.ts for what each floor does).",
    "",
  );
  out.push("## Figures", "", markdownTable(report), "");
  const byNote = new Map<string, string[]>();
  for (const row of report.rows) if (row.note) byNote.set(row.note, [...(byNote.get(row.note) ?? []), row.figure]);
  for (const [note, figures] of byNote) out.push(`- ${figures.map((f) => `**${f}**`).join(", ")}: ${note}`);
  if (byNote.size) out.push("");

  out.push("## Seeding (through the public API)", "");
  if (report.seeding.length === 0) out.push("Not run.", "");
  else {
    out.push(`${c.seedConcurrency} requests in flight, one namespace, generated sentences (bench/lib/sentences.ts).`, "");
    out.push("| from | to | target | via | seconds | memories/s | failed requests | stopped by budget |", "|---|---|---|---|---|---|---|---|");
    for (const s of report.seeding)
      out.push(`| ${s.from} | ${s.to} | ${s.target} | ${s.via} | ${s.seconds.toFixed(1)} | ${s.rate.toFixed(1)} | ${s.failed} | ${s.stoppedByDeadline ? "yes" : "no"} |`);
    out.push("");
  }

  out.push("## Recall@5", "");
  if (report.recall.status === "pending") out.push(`Pending: ${report.recall.reason}`, "");
  else {
    const r = report.recall;
    out.push(
      `Fixture \`${r.fixture}\`: ${r.memories} memories stored in a fresh namespace (${r.questions} with questions, ${r.distractors} distractors);`,
      "each question asked in each mode with top_k 5; recall@5 = share of questions whose own memory is in the top 5.",
      "",
      "| keyword | vector | hybrid | hybrid beats both |",
      "|---|---|---|---|",
      `| ${(r.recall.keyword * 100).toFixed(1)}% | ${(r.recall.vector * 100).toFixed(1)}% | ${(r.recall.hybrid * 100).toFixed(1)}% | ${r.hybridBeatsBoth ? "yes" : "no"} |`,
      "",
    );
    if (r.missedByHybrid.length) {
      const shown = r.missedByHybrid.slice(0, 20).map((id) => `\`${id}\``).join(", ");
      const more = r.missedByHybrid.length > 20 ? `, and ${r.missedByHybrid.length - 20} more` : "";
      out.push(`Missed by hybrid (${r.missedByHybrid.length}): ${shown}${more}`, "");
    }
  }

  if (report.diagnosis.length) out.push("## Where the time goes", "", ...report.diagnosis.map((d) => `- ${d}`), "");
  if (report.notes.length) out.push("## Notes", "", ...report.notes.map((n) => `- ${n}`), "");

  out.push("## Machine and command", "");
  out.push("```", report.command, "```", "");
  out.push(
    `- date: ${m.date} (run took ${Math.round(report.durationSeconds)} s)`,
    `- nproc: ${m.nproc}; CPU: ${m.cpu}; memory: ${m.memory}`,
    `- OS: ${m.os}; node ${m.node}; wrangler ${m.wrangler}; commit ${m.commit}`,
    `- load average (1, 5, 15 min) at start: ${m.loadAtStart}; at end: ${report.loadAtEnd}`,
    `- settings: ${c.requests} measured requests per series after ${c.warmup} warm-up, in ${c.rounds} interleaved rounds; ` +
      `search ${c.searchRequests} per mode after ${c.searchWarmup} warm-up; sizes ${c.memorySizes.join(", ") || "none"}; ` +
      `seeding ${c.seedConcurrency} requests in flight, batches of ${c.seedBatch}, budget ${c.seedBudgetSeconds} s; group budget ${c.groupBudgetSeconds} s`,
    "",
  );
  return out.join("\n");
}
