/**
 * Issue "Governance", the ledger's figures. Append: POST /v1/cot one step at a time to one session, against
 * the run's D1-write floor (a bare route doing one D1 upsert) and the API's own state set. Verify: a session
 * of BENCH_COT_STEPS steps (default 20,000) logged through the API with many appends in flight, then
 * POST /v1/cot/{id}/verify, as steps per second and as a share of a bare SHA-256 chain loop over the same
 * canonical bytes in the same runtime (bench/floor, GET /sha-chain).
 */
import { COT_BENCH_AGENT, benchStep } from "../lib/cot-steps.ts";
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import { runPool } from "../lib/pool.ts";
import type { Row } from "../lib/report.ts";
import { measureGroup } from "../lib/series.ts";
import { ratio, summarize, type Summary } from "../lib/stats.ts";

const VERIFY_RUNS = 5;
/** Seeding logs batches of 100 steps (POST /v1/cot/{session_id}/steps), a few in flight: the sequencer orders them. */
const SEED_BATCH = 100;
const SEED_CONCURRENCY = 4;

const stepsSetting = () => {
  const n = Number(process.env.BENCH_COT_STEPS ?? 20_000);
  if (!Number.isInteger(n) || n < 1 || n > 200_000) throw new Error("BENCH_COT_STEPS must be an integer in 1..200000");
  return n;
};

const body = (session: string, i: number) => JSON.stringify({ session_id: session, ...benchStep(i) });

export async function benchCot(ctx: BenchContext, stateSet?: Summary): Promise<{ rows: Row[]; diagnosis: string[] }> {
  const { api, floor, config } = ctx;
  const key = await agentWithKey(ctx, COT_BENCH_AGENT);
  await expectJson({ method: "POST", url: `${floor}/d1/setup` });

  console.log("cot: append vs the D1-write floor");
  const appendSession = "bench-append";
  const floorBody = body(appendSession, 0);
  const group = await measureGroup(
    [
      { name: "append", run: (i) => timedRequest({ method: "POST", url: `${api}/v1/cot`, key, body: body(appendSession, i) }) },
      { name: "d1Write", run: (i) => timedRequest({ method: "PUT", url: `${floor}/d1/cot-${i % 100}`, body: floorBody }) },
    ],
    { label: "cot append", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: config.groupBudgetSeconds },
  );
  const append = group.results.get("append")!.summary;
  const d1Write = group.results.get("d1Write")!.summary;
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`cot ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);

  const steps = stepsSetting();
  const session = `bench-verify-${steps}`;
  console.log(`cot: logging ${steps} steps to one session (batches of ${SEED_BATCH}, ${SEED_CONCURRENCY} in flight)`);
  const batches = Math.ceil(steps / SEED_BATCH);
  const batchBody = (b: number) =>
    JSON.stringify({
      steps: Array.from({ length: Math.min(SEED_BATCH, steps - b * SEED_BATCH) }, (_, j) => benchStep(b * SEED_BATCH + j)),
    });
  const seeded = await ctx.watch("cot seeding", () =>
    runPool(0, batches, SEED_CONCURRENCY, Date.now() + config.seedBudgetSeconds * 1000, async (b) => {
      await timedRequest({ method: "POST", url: `${api}/v1/cot/${session}/steps`, key, body: batchBody(b) });
    }),
  );
  // Batches land in any order, so step i of the floor's chain has the same size but not always the same text.
  const logged = Math.min(steps, seeded.done * SEED_BATCH);
  if (logged < steps) ctx.notes.push(`cot: only ${logged} of ${steps} steps were logged within the seeding budget (${seeded.failed} failed).`);

  console.log(`cot: verify ${logged} steps vs a bare SHA-256 chain over the same bytes`);
  const verifyMs: number[] = [];
  const floorMs: number[] = [];
  for (let run = 0; run < VERIFY_RUNS; run++) {
    const started = performance.now();
    const verdict = await expectJson<{ chain_intact: boolean; entries_checked: number }>({ method: "POST", url: `${api}/v1/cot/${session}/verify`, key });
    verifyMs.push(performance.now() - started);
    if (!verdict.chain_intact || verdict.entries_checked !== logged) throw new Error(`verify: ${JSON.stringify(verdict)}`);
    const bare = await expectJson<{ ms: number }>({ method: "GET", url: `${floor}/sha-chain?n=${logged}&session=${session}` });
    floorMs.push(bare.ms);
  }
  const verify = summarize(verifyMs);
  const bareLoop = summarize(floorMs);
  const rate = logged / (verify.p50 / 1000);
  const floorRate = logged / (bareLoop.p50 / 1000);
  const share = rate / floorRate;

  const rows: Row[] = [
    {
      issue: "Governance",
      figure: "cot append (POST /v1/cot)",
      value: append,
      floorName: "D1 write",
      floor: d1Write,
      note:
        `no goal set; ${ratio(append.p50, d1Write.p50).toFixed(2)}× the bare D1 write` +
        (stateSet ? `, ${ratio(append.p50, stateSet.p50).toFixed(2)}× this run's state set (p50 ${stateSet.p50.toFixed(2)} ms)` : ""),
    },
    {
      issue: "Governance",
      figure: `cot verify ${logged} steps (POST /v1/cot/{id}/verify)`,
      value: verify,
      floorName: "bare SHA-256 chain",
      floor: bareLoop,
      goal: "≥ 100k steps/s, ≥ 0.3× bare loop",
      pass: rate >= 100_000 && share >= 0.3,
      note: `verify ${Math.round(rate).toLocaleString("en")} steps/s end to end (p50 of ${VERIFY_RUNS}); the bare loop inside workerd ${Math.round(floorRate).toLocaleString("en")} steps/s; ratio ${share.toFixed(2)}`,
    },
  ];
  const diagnosis = [
    `cot append = authentication (one D1 read) + the session's sequencer (one Durable Object call; the owner is cached per isolate) + ` +
      `one D1 batch (the step and the session's head; a burst of appends shares one batch). p50 ${append.p50.toFixed(2)} ms against a bare D1 write of ${d1Write.p50.toFixed(2)} ms.`,
    `cot seeding: ${logged} steps in ${seeded.seconds.toFixed(1)} s, batches of ${SEED_BATCH} with ${SEED_CONCURRENCY} in flight (${Math.round(logged / seeded.seconds)} steps/s).`,
    `cot verify reads 5,000-step pages (the next read in flight while the current page is hashed), builds each step's canonical text and hashes the page ` +
      `in the ledger's WebAssembly SHA-256 (four SIMD lanes, compared with the stored hashes in one call); the floor is node:crypto over the same bytes, ` +
      `text prebuilt, one step at a time, so verify can pass it: what remains of verify is mostly the D1 reads.`,
  ];
  return { rows, diagnosis };
}
