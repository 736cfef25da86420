/**
 * Fills the search corpus through the public API: `POST /v1/memory/batch` (up to 100 memories a request,
 * all or none) when the server has it and BENCH_SEED_BATCH > 1, else one `POST /v1/memory` per memory;
 * a bounded number of requests in flight, until the target or the deadline. Memory i is the same text on
 * every run (seeded by i), so corpora are comparable across runs.
 */
import { randomBytes } from "node:crypto";
import type { BenchContext } from "../lib/context.ts";
import { HttpError, request, timedRequest } from "../lib/http.ts";
import { runPool } from "../lib/pool.ts";
import { prng } from "../lib/prng.ts";
import type { SeedingRecord } from "../lib/report.ts";
import { generateMemory } from "../lib/sentences.ts";

const RETRIES = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const memory = (namespace: string, i: number) => ({ agent_id: namespace, ...generateMemory(prng(0xc0ffee ^ Math.imul(i + 1, 0x9e3779b1)), i) });

/** Retries what the server may answer differently a moment later (5xx, 429, a dropped connection). */
async function withRetries(send: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      const retryable = !(err instanceof HttpError) || err.status >= 500 || err.status === 429 || err.status === 409;
      if (!retryable || attempt >= RETRIES) throw err;
      await sleep(250 * (attempt + 1));
    }
  }
}

/** Whether POST /v1/memory/batch exists: an empty batch is refused by validation (400), a missing route is 404. */
async function batchRouteExists(api: string, key: string): Promise<boolean> {
  const res = await request({ method: "POST", url: `${api}/v1/memory/batch`, key, body: JSON.stringify({ memories: [] }) });
  return res.status !== 404;
}

export type Seeder = { via: string; seed: (from: number, target: number, deadline: number) => Promise<SeedingRecord> };

export async function corpusSeeder(ctx: BenchContext, key: string, namespace: string): Promise<Seeder> {
  const { api, config } = ctx;
  const batch = config.seedBatch > 1 && (await batchRouteExists(api, key)) ? config.seedBatch : 1;
  if (config.seedBatch > 1 && batch === 1) ctx.notes.push("POST /v1/memory/batch answered 404: the corpus was seeded one POST /v1/memory at a time.");
  const run = randomBytes(6).toString("hex");
  const via = batch > 1 ? `POST /v1/memory/batch, ${batch} a request` : "POST /v1/memory, one a request";

  const seed = async (from: number, target: number, deadline: number): Promise<SeedingRecord> => {
    const requests = Math.ceil((target - from) / batch);
    let stored = 0;
    const started = Date.now();
    const result = await runPool(
      0,
      requests,
      config.seedConcurrency,
      deadline,
      async (r) => {
        const first = from + r * batch;
        const last = Math.min(target, first + batch);
        if (batch === 1) {
          const body = JSON.stringify(memory(namespace, first));
          await withRetries(() => timedRequest({ method: "POST", url: `${api}/v1/memory`, key, body }));
        } else {
          const body = JSON.stringify({ memories: Array.from({ length: last - first }, (_, j) => memory(namespace, first + j)) });
          // The key makes a retry of a batch that did land return its first answer instead of storing it twice.
          const headers = { "idempotency-key": `bench-seed-${run}-${first}` };
          await withRetries(() => timedRequest({ method: "POST", url: `${api}/v1/memory/batch`, key, body, headers }));
        }
        stored += last - first;
      },
      () => {
        const seconds = (Date.now() - started) / 1000;
        const rate = stored / seconds;
        console.log(`  seeded ${from + stored}/${target} (${rate.toFixed(0)}/s, eta ${Math.round((target - from - stored) / Math.max(rate, 1e-9))} s)`);
      },
      Math.max(5, Math.ceil(requests * 0.01)),
    );
    if (result.failed) ctx.notes.push(`Seeding ${from}→${target}: ${result.failed} requests failed after retries (first: ${result.firstError}).`);
    return {
      from,
      to: from + stored,
      target,
      seconds: result.seconds,
      rate: stored / result.seconds,
      failed: result.failed,
      stoppedByDeadline: result.stoppedByDeadline,
      via,
    };
  };
  return { via, seed };
}
