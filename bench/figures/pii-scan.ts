/**
 * Issue "Guard rails": the CPU cost of the PII scan the guard rails run on every value an agent writes,
 * `scanJson` (src/guard-rails/scan-json.ts) over a 64 KiB JSON value with all five kinds in redact mode.
 *
 * Timed inside workerd, by the floor Worker (GET /pii-scan): the scan is synchronous and does no I/O, so
 * its wall time there is its CPU time when the machine is not oversubscribed. workerd's clock moves in whole
 * milliseconds, so each sample is the mean of a batch of scans. The same scan is also timed in this Node
 * process (the same V8) with process.cpuUsage(), which counts only this process's CPU: the diagnosis gives
 * both, so a busy machine shows as a gap between them.
 *
 * Two values: agents' usual output (bench/lib/pii-payload.ts: task records with ids, timestamps, prose, one
 * record in ten carrying PII), which the goal is about; and a contact export where every record is PII,
 * the dense worst case people actually send (one phone-number parse per record), for the diagnosis.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchContext } from "../lib/context.ts";
import { expectJson } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { summarize, type Summary } from "../lib/stats.ts";

type ScanAnswer = { payload: string; bytes: number; findings: number; first_ms: number; batch: number; samples: number[] };
type ScanModule = {
  scanJson(value: unknown, options: { detect: readonly string[]; mode: "redact" }): { findings: unknown[] };
  PII_KINDS: readonly string[];
  piiPayload(): unknown[];
  piiDensePayload(): unknown[];
};

const ENTRY = `export { scanJson } from "./src/guard-rails/scan-json";
export { PII_KINDS } from "./src/guard-rails/pii/types";
export { piiPayload, piiDensePayload } from "./bench/lib/pii-payload.ts";`;

const GOAL_MS = 2;
const ROUNDS = 100;
const BATCH = 20;
const DENSE_ROUNDS = 10;
const DENSE_BATCH = 2;

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

/** CPU milliseconds of this process per scan, in batches like the workerd samples. */
function nodeCpu(module: ScanModule, value: unknown, rounds: number, batch: number): Summary {
  const options = { detect: module.PII_KINDS, mode: "redact" } as const;
  for (let i = 0; i < batch * 5; i++) module.scanJson(value, options);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < batch; i++) module.scanJson(value, options);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000 / batch);
  }
  return summarize(samples);
}

async function inNode(root: string): Promise<{ usual: Summary; dense: Summary }> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-pii-"));
  try {
    const esbuild = await import("esbuild");
    const outfile = join(dir, "pii-scan.mjs");
    await esbuild.build({ stdin: { contents: ENTRY, resolveDir: root, loader: "ts" }, bundle: true, format: "esm", platform: "neutral", mainFields: ["module", "main"], outfile, logLevel: "silent" });
    const module = (await import(pathToFileURL(outfile).href)) as ScanModule;
    // Parsed from text, as a request body is: flat strings and plain objects.
    const parsed = (make: () => unknown[]) => JSON.parse(JSON.stringify(make())) as unknown;
    return { usual: nodeCpu(module, parsed(module.piiPayload), ROUNDS, BATCH), dense: nodeCpu(module, parsed(module.piiDensePayload), DENSE_ROUNDS, DENSE_BATCH) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchPiiScan(ctx: BenchContext): Promise<{ rows: Row[]; diagnosis: string[] }> {
  const figure = "PII scan of a 64 KiB JSON value, 5 kinds, redact (in workerd)";
  const goal = `p50 ≤ ${GOAL_MS} ms`;
  try {
    console.log("pii: scanning 64 KiB values inside workerd (bench/floor GET /pii-scan)");
    const usual = await expectJson<ScanAnswer>({ method: "GET", url: `${ctx.floor}/pii-scan?payload=usual&rounds=${ROUNDS}&batch=${BATCH}` });
    const dense = await expectJson<ScanAnswer>({ method: "GET", url: `${ctx.floor}/pii-scan?payload=dense&rounds=${DENSE_ROUNDS}&batch=${DENSE_BATCH}` });
    const value = summarize(usual.samples);
    const denseValue = summarize(dense.samples);
    const node = await inNode(ctx.root);
    console.log(`pii: workerd p50 ${ms(value.p50)} p95 ${ms(value.p95)}; Node CPU p50 ${ms(node.usual.p50)}; dense workerd p50 ${ms(denseValue.p50)}`);
    return {
      rows: [
        {
          issue: "Guard rails",
          figure,
          value,
          goal,
          pass: value.p50 <= GOAL_MS,
          note: `Each sample is the mean of ${usual.batch} scans in a row (workerd's clock moves in whole ms); ${usual.findings} findings in ${usual.bytes} bytes.`,
        },
      ],
      diagnosis: [
        `PII scan (src/guard-rails/scan-json.ts), agents' usual output, ${usual.bytes} bytes of JSON, ${usual.findings} findings: inside workerd p50 ${ms(value.p50)} / ` +
          `p95 ${ms(value.p95)} per scan (batches of ${usual.batch}); this Node process's own CPU time for the same scan p50 ${ms(node.usual.p50)} / p95 ${ms(node.usual.p95)}. ` +
          `The first scan in a fresh isolate took ${ms(usual.first_ms)} (compiling the patterns and libphonenumber's metadata).`,
        `PII scan, a contact export (${dense.bytes} bytes, ${dense.findings} findings, a phone-number parse per record): inside workerd p50 ${ms(denseValue.p50)} / ` +
          `p95 ${ms(denseValue.p95)}; Node CPU p50 ${ms(node.dense.p50)}. Cost grows with the PII found, not only with the bytes.`,
      ],
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { rows: [{ issue: "Guard rails", figure, goal, note: `pending: not measured (${reason})` }], diagnosis: [] };
  }
}
