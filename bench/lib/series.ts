/**
 * Sequential latency series, measured together: after a warm-up, the series take turns in rounds (in a
 * rotating order), so a burst of background load on a shared machine hits the API and its floor alike.
 */
import { summarize, type Summary } from "./stats.ts";

export type Series = {
  name: string;
  /** Sends request number i and returns its latency in milliseconds; throws on a failed request. */
  run: (i: number) => Promise<number>;
};

export type SeriesResult = { name: string; samples: number[]; errors: number; firstError?: string; summary: Summary };

export type GroupOptions = {
  label: string;
  warmup: number;
  requests: number;
  rounds: number;
  budgetSeconds: number;
};

export type GroupResult = { results: Map<string, SeriesResult>; truncated: boolean; seconds: number };

const MAX_ERROR_SHARE = 0.01;

export async function measureGroup(series: Series[], options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const deadline = started + options.budgetSeconds * 1000;
  const state = new Map(series.map((s) => [s.name, { samples: [] as number[], errors: 0, firstError: undefined as string | undefined, sent: 0 }]));
  let truncated = false;

  const once = async (s: Series, measured: boolean) => {
    const st = state.get(s.name)!;
    const i = st.sent++;
    try {
      const ms = await s.run(i);
      if (measured) st.samples.push(ms);
    } catch (err) {
      st.errors++;
      st.firstError ??= err instanceof Error ? err.message : String(err);
      const allowed = Math.max(5, Math.ceil(MAX_ERROR_SHARE * (options.requests + options.warmup)));
      if (st.errors > allowed) throw new Error(`${options.label}: ${s.name} failed ${st.errors} times; first: ${st.firstError}`);
    }
  };

  // Warm-up, interleaved one by one.
  for (let i = 0; i < options.warmup && !truncated; i++) {
    for (const s of series) await once(s, false);
    if (Date.now() > deadline) truncated = true;
  }

  const perRound = Math.ceil(options.requests / options.rounds);
  for (let round = 0; round < options.rounds && !truncated; round++) {
    const order = series.map((_, j) => series[(j + round) % series.length]!);
    for (const s of order) {
      const st = state.get(s.name)!;
      const target = Math.min(options.requests, (round + 1) * perRound);
      while (st.samples.length < target) {
        if (Date.now() > deadline) {
          truncated = true;
          break;
        }
        await once(s, true);
      }
    }
    const status = `  ${options.label}: round ${round + 1}/${options.rounds}${truncated ? " (time budget reached)" : ""}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${status}   `);
    else if (truncated || round + 1 === options.rounds || (round + 1) % 5 === 0) console.log(status);
  }
  if (process.stdout.isTTY) process.stdout.write("\n");

  const results = new Map<string, SeriesResult>();
  for (const s of series) {
    const st = state.get(s.name)!;
    results.set(s.name, { name: s.name, samples: st.samples, errors: st.errors, firstError: st.firstError, summary: summarize(st.samples) });
  }
  return { results, truncated, seconds: (Date.now() - started) / 1000 };
}
