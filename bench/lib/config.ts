/**
 * Everything the bench can be told, from the environment (so `npm run bench` takes no arguments).
 * Every loop in the bench is bounded by a count and by a time budget from here.
 */
export type BenchConfig = {
  /** Measured requests per latency series (state set/get and their floors, memory store). */
  requests: number;
  /** Unmeasured requests per series first, so JIT, connections and SQLite caches are warm. */
  warmup: number;
  /** Series measured together are interleaved in this many rounds, so background load hits them alike. */
  rounds: number;
  /** Corpus sizes for the search figures; seeded incrementally into one namespace. */
  memorySizes: number[];
  /** Requests in flight while seeding. */
  seedConcurrency: number;
  /** Memories per seeding request: > 1 uses POST /v1/memory/batch (at most 100), 1 uses POST /v1/memory. */
  seedBatch: number;
  /** Wall-clock budget for all seeding; when it runs out the search is measured at the size reached. */
  seedBudgetSeconds: number;
  /** Measured searches per mode and size, and their warm-up. */
  searchRequests: number;
  searchWarmup: number;
  /** Wall-clock cap for one interleaved group of series (warm-up included). */
  groupBudgetSeconds: number;
  /** Skip the memory figures entirely (BENCH_MEMORY=0). */
  memory: boolean;
  /** Skip the semantic trigger figures (BENCH_TRIGGERS=0). */
  triggers: boolean;
  /** Keep the temporary --persist-to directories and server logs (BENCH_KEEP_DATA=1). */
  keepData: boolean;
  /** Seconds to wait for a server's GET /health. */
  startupSeconds: number;
  /** Where the markdown report goes (BENCH_OUTPUT, relative to the repo); a smoke run can keep RESULTS.md. */
  output: string;
};

function integer(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, not '${raw}'`);
  return value;
}

function sizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw.trim() === "0" || raw.trim().toLowerCase() === "none") return [];
  const values = raw.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 200_000)) throw new Error(`${name} must list integers in 1..200000, not '${raw}'`);
  return [...new Set(values)].sort((a, b) => a - b);
}

const flag = (name: string, fallback: boolean) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  return !["0", "false", "no", "off"].includes(raw.toLowerCase());
};

export function loadConfig(): BenchConfig {
  const seedBatch = Math.min(100, integer("BENCH_SEED_BATCH", 100, 1));
  return {
    requests: integer("BENCH_REQUESTS", 1000, 1),
    warmup: integer("BENCH_WARMUP", 200),
    rounds: integer("BENCH_ROUNDS", 10, 1),
    memorySizes: sizes("BENCH_MEMORY_SIZES", [10_000, 100_000]),
    seedBatch,
    // A batch request carries 100 memories: 4 in flight keep the server busy (measured: 1 → ~1150/s,
    // 2-8 → ~1450/s on 2 cores); single stores need more in flight (16 → ~105/s, 32 → ~120-185/s).
    seedConcurrency: integer("BENCH_SEED_CONCURRENCY", seedBatch > 1 ? 4 : 32, 1),
    seedBudgetSeconds: integer("BENCH_SEED_BUDGET_SECONDS", 600, 1),
    searchRequests: integer("BENCH_SEARCH_REQUESTS", 1000, 1),
    searchWarmup: integer("BENCH_SEARCH_WARMUP", 50),
    groupBudgetSeconds: integer("BENCH_GROUP_BUDGET_SECONDS", 360, 1),
    memory: flag("BENCH_MEMORY", true),
    triggers: flag("BENCH_TRIGGERS", true),
    keepData: flag("BENCH_KEEP_DATA", false),
    startupSeconds: integer("BENCH_STARTUP_SECONDS", 180, 1),
    output: process.env.BENCH_OUTPUT || "bench/RESULTS.md",
  };
}

/** The BENCH_* variables this run was given, to write down the exact command. */
export function benchEnv(): string[] {
  return Object.entries(process.env)
    .filter(([k]) => k.startsWith("BENCH_"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
}
