/**
 * `npm run bench`: starts the real API (scripts/dev.mjs) and the floor Worker (bench/floor) on free ports
 * with temporary storage, measures the figures the issues name as p50 and p95 and as ratios to floors
 * measured in the same run, prints a table and writes bench/RESULTS.md. Both servers are stopped at the
 * end, also on failure or Ctrl-C. Traffic goes to 127.0.0.1 only.
 *
 * Settings (environment; defaults in bench/lib/config.ts):
 *   BENCH_REQUESTS=1000 BENCH_WARMUP=200 BENCH_ROUNDS=10      latency series
 *   BENCH_MEMORY_SIZES=10000,100000                           corpus sizes for search ("0" for none)
 *   BENCH_SEED_BATCH=100 BENCH_SEED_CONCURRENCY=4             seeding: memories a request (1: POST /v1/memory,
 *                                                             else /v1/memory/batch), requests in flight (32 if 1)
 *   BENCH_SEED_BUDGET_SECONDS=600                             wall-clock cap on all seeding
 *   BENCH_SEARCH_REQUESTS=1000 BENCH_SEARCH_WARMUP=50         searches per mode and size
 *   BENCH_GROUP_BUDGET_SECONDS=360                            cap per interleaved search group
 *   BENCH_MEMORY=0                                            skip the memory figures
 *   BENCH_COT_STEPS=20000                                     steps in the session the ledger's verify figure checks
 *   BENCH_TRIGGERS=0                                          skip the semantic trigger figures
 *   BENCH_INBOX_MESSAGES=10000 BENCH_INBOX_SENDERS=20         inbox throughput (bench/figures/inbox.ts)
 *   BENCH_INBOX_BATCH=25 BENCH_INBOX_SINGLE_MESSAGES=4000     messages a batch request; messages sent one a request
 *   BENCH_INBOX_PUSHES=300                                    WebSocket push latency samples
 *   BENCH_BRANCHES=0 BENCH_BRANCH_ROWS=100000                 skip the branch figures; size of the large table
 *   BENCH_MCP=0                                               skip the MCP figures (bench/figures/mcp.ts)
 *   BENCH_GUARD_RAILS=0                                       skip the guard rails' figure (bench/figures/guard-rails.ts)
 *   BENCH_OBSERVABILITY=0                                     skip the observability figures (bench/figures/observability.ts)
 *   BENCH_WORKFLOWS=0 BENCH_WORKFLOW_REQUESTS BENCH_FANOUT_RUNS=20 BENCH_CONCURRENT_RUNS=1000 BENCH_WORKER_LOOPS=20
 *                                                             workflow figures (bench/figures/workflows.ts)
 *   BENCH_AB=0 BENCH_AB_TASKS=300                             skip the A/B figures; completions timed per series
 *   BENCH_EVENTS=0 BENCH_EVENTS_QUEUED=5000                   skip the event figures; events sent through the queue
 *   BENCH_SCHEDULES=0 BENCH_SCHEDULE_MINUTES=3                skip the lifecycle trigger figures; minutes per lateness phase
 *   BENCH_SCHEDULE_DEFINED=10000 BENCH_HOOK_CALLS=300         schedules defined beside the due ones; webhook calls timed
 *   BENCH_KEEP_DATA=1                                         keep the temp dirs and server logs
 *   BENCH_OUTPUT=bench/RESULTS.md                             where the report is written
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchAb } from "./figures/ab.ts";
import { benchCot } from "./figures/cot.ts";
import { embedderCost } from "./figures/embedder-cost.ts";
import { benchMemorySearch } from "./figures/memory-search.ts";
import { benchMemoryStore, probeMemory } from "./figures/memory-store.ts";
import { benchPiiScan } from "./figures/pii-scan.ts";
import { benchGuardRails } from "./figures/guard-rails.ts";
import { benchPolicy } from "./figures/policy.ts";
import { benchRecall } from "./figures/recall.ts";
import { benchBranches } from "./figures/branches.ts";
import { benchQuery } from "./figures/query.ts";
import { benchRowRule } from "./figures/row-rule.ts";
import { benchInbox } from "./figures/inbox.ts";
import { benchMcp } from "./figures/mcp.ts";
import { benchObservability } from "./figures/observability.ts";
import { benchState } from "./figures/state.ts";
import { benchTriggers } from "./figures/triggers.ts";
import { benchWorkflows } from "./figures/workflows.ts";
import { benchEvents } from "./figures/events.ts";
import { benchSchedules } from "./figures/schedules.ts";
import { benchEnv, loadConfig } from "./lib/config.ts";
import { agentWithKey, type BenchContext } from "./lib/context.ts";
import { currentLoad, machineInfo } from "./lib/machine.ts";
import { markdown, textTable, type RecallReport, type Report, type Row, type SeedingRecord } from "./lib/report.ts";
import { freePort, killAllNow, logTail, reloadCount, startServer, stopAll, type Server } from "./lib/servers.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FLOOR_CONFIG = "bench/floor/wrangler.toml";

/** The floor must run under the same runtime settings as the API, or the ratios compare different things. */
function compatibilityDrift(): string | undefined {
  const settings = (file: string) => {
    const text = readFileSync(join(root, file), "utf8");
    return ["compatibility_date", "compatibility_flags"].map((k) => new RegExp(`^${k}\\s*=\\s*(.+)$`, "m").exec(text)?.[1]?.trim()).join(" ");
  };
  const main = settings("wrangler.toml");
  const floor = settings(FLOOR_CONFIG);
  return main === floor ? undefined : `wrangler.toml has ${main} but ${FLOOR_CONFIG} has ${floor}: align them.`;
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count && tries < 50; tries++) ports.add(await freePort());
  if (ports.size < count) throw new Error("could not find free ports on 127.0.0.1");
  return [...ports];
}

async function startServers(tmp: string, adminToken: string, startupSeconds: number): Promise<{ api: Server; floor: Server }> {
  const [apiPort, apiInspector, floorPort, floorInspector] = await distinctPorts(4);
  console.log(`starting the API on 127.0.0.1:${apiPort} and the floor on 127.0.0.1:${floorPort} (logs in ${tmp})`);
  const started = await Promise.allSettled([
    startServer({
      name: "API (scripts/dev.mjs)",
      command: process.execPath,
      args: [
        "scripts/dev.mjs",
        "--port", String(apiPort!),
        "--ip", "127.0.0.1",
        "--inspector-port", String(apiInspector!),
        "--persist-to", join(tmp, "api-data"),
        "--var", `ADMIN_TOKEN:${adminToken}`,
      ],
      cwd: root,
      port: apiPort!,
      logFile: join(tmp, "api.log"),
      startupSeconds,
    }),
    startServer({
      name: "floor (bench/floor)",
      command: "npx",
      args: [
        "wrangler", "dev", "--local",
        "-c", FLOOR_CONFIG,
        "--port", String(floorPort!),
        "--ip", "127.0.0.1",
        "--inspector-port", String(floorInspector!),
        "--persist-to", join(tmp, "floor-data"),
      ],
      cwd: root,
      port: floorPort!,
      logFile: join(tmp, "floor.log"),
      startupSeconds,
    }),
  ]);
  // Both are awaited either way, so a failure of one never leaves the other's start unobserved.
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  const [api, floor] = started.map((s) => (s as PromiseFulfilledResult<Server>).value);
  return { api: api!, floor: floor! };
}

const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

function pendingMemoryRows(reason: string, sizes: number[]): Row[] {
  const note = `pending: ${reason}`;
  return [
    { issue: "Shared memory", figure: "memory store (POST /v1/memory)", floorName: "state set", goal: "p50 ≤ 3× state set", note },
    ...sizes.flatMap((n) =>
      (["hybrid", "vector"] as const).map((mode) => ({
        issue: "Shared memory",
        figure: `search ${mode} top_k 10 @ ${sizeLabel(n)}`,
        floorName: `scan ${sizeLabel(n)}×384`,
        goal: n === 10_000 ? "p50 ≤ 20 ms" : n === 100_000 ? "p50 ≤ 150 ms" : undefined,
        note,
      })),
    ),
  ];
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const config = loadConfig();
  const machine = machineInfo(root);
  const command = [...benchEnv(), "npm run bench"].join(" ");
  const notes: string[] = [];
  const drift = compatibilityDrift();
  if (drift) {
    console.warn(`warning: ${drift}`);
    notes.push(drift);
  }

  const tmp = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  const adminToken = `sy_admin_bench_${randomBytes(12).toString("hex")}`;
  let servers: { api: Server; floor: Server } | undefined;
  try {
    servers = await startServers(tmp, adminToken, config.startupSeconds);
    const { api, floor } = servers;
    // wrangler dev rebuilds on every edit under src/: say which figures a restart fell into.
    const watch = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      const before = reloadCount(api) + reloadCount(floor);
      const result = await run();
      const reloads = reloadCount(api) + reloadCount(floor) - before;
      if (reloads > 0) {
        const note = `A server reloaded ${reloads}× during ${label} (wrangler dev rebuilds when a watched file changes, e.g. someone editing src/): those figures include a restart.`;
        console.warn(`warning: ${note}`);
        notes.push(note);
      }
      return result;
    };
    const ctx: BenchContext = { root, api: api.base, floor: floor.base, adminToken, config, notes, watch };

    const state = await watch("the state figures", () => benchState(ctx));
    const rows: Row[] = [...state.rows];
    const diagnosis = [...state.diagnosis];
    const policy = await benchPolicy(root);
    rows.push(...policy.rows);
    diagnosis.push(...policy.diagnosis);
    const pii = await watch("the PII scan figure", () => benchPiiScan(ctx));
    rows.push(...pii.rows);
    diagnosis.push(...pii.diagnosis);
    if (process.env.BENCH_GUARD_RAILS !== "0") rows.push(...(await watch("the guard rails' figure", () => benchGuardRails(ctx))).rows);
    if (process.env.BENCH_BRANCHES !== "0") {
      const branchState = { agentId: "bench-state-branches", key: await agentWithKey(ctx, "bench-state-branches") };
      const branches = await watch("the branch figures", () => benchBranches(ctx, branchState));
      rows.push(...branches.rows);
      diagnosis.push(...branches.diagnosis);
    }
    const sql = await watch("the SQL figures", () => benchQuery(ctx));
    rows.push(...sql.rows);
    diagnosis.push(...sql.diagnosis);
    const rowRule = await watch("the row rule figures", () => benchRowRule(ctx, sql.rows[0]));
    rows.push(...rowRule.rows);
    diagnosis.push(...rowRule.diagnosis);
    const cot = await watch("the ledger figures", () => benchCot(ctx, state.set));
    rows.push(...cot.rows);
    diagnosis.push(...cot.diagnosis);
    if (config.triggers) {
      const triggers = await benchTriggers(ctx);
      rows.push(...triggers.rows);
      diagnosis.push(...triggers.diagnosis);
    }
    const inbox = await watch("the inbox figures", () => benchInbox(ctx, state));
    rows.push(...inbox.rows);
    diagnosis.push(...inbox.diagnosis);
    if (process.env.BENCH_WORKFLOWS !== "0") {
      const workflows = await watch("the workflow figures", () => benchWorkflows(ctx));
      rows.push(...workflows.rows);
      diagnosis.push(...workflows.diagnosis);
    }
    if (process.env.BENCH_MCP !== "0") {
      const mcp = await watch("the MCP figures", () => benchMcp(ctx));
      rows.push(...mcp.rows);
      diagnosis.push(...mcp.diagnosis);
    }
    if (process.env.BENCH_OBSERVABILITY !== "0") {
      // A third server, the API with span recording off: the floor of the hop figure.
      const [port, inspector] = await distinctPorts(2);
      const spansOff = await startServer({
        name: "API, spans off (scripts/dev.mjs --var TRACE_SPANS:off)",
        command: process.execPath,
        args: ["scripts/dev.mjs", "--port", String(port!), "--ip", "127.0.0.1", "--inspector-port", String(inspector!), "--persist-to", join(tmp, "api-spans-off-data"), "--var", `ADMIN_TOKEN:${adminToken}`, "--var", "TRACE_SPANS:off"],
        cwd: root,
        port: port!,
        logFile: join(tmp, "api-spans-off.log"),
        startupSeconds: config.startupSeconds,
      });
      const observability = await watch("the observability figures", () => benchObservability(ctx, spansOff.base));
      rows.push(...observability.rows);
      diagnosis.push(...observability.diagnosis);
    }
    if (process.env.BENCH_AB !== "0") {
      const ab = await benchAb(ctx); // on a pre-seeded server of its own
      rows.push(...ab.rows);
      diagnosis.push(...ab.diagnosis);
    }
    if (process.env.BENCH_EVENTS !== "0") {
      const events = await benchEvents(ctx);
      rows.push(...events.rows);
      diagnosis.push(...events.diagnosis);
    }
    if (process.env.BENCH_SCHEDULES !== "0") {
      const schedules = await benchSchedules(ctx);
      rows.push(...schedules.rows);
      diagnosis.push(...schedules.diagnosis);
    }
    let seeding: SeedingRecord[] = [];
    let recall: RecallReport = { status: "pending", reason: "memory figures skipped (BENCH_MEMORY=0)." };

    if (config.memory) {
      const probe = await probeMemory(ctx);
      if (!probe.available) {
        console.log(`memory: ${probe.reason}; the memory figures are pending`);
        rows.push(...pendingMemoryRows(probe.reason, config.memorySizes));
        recall = { status: "pending", reason: probe.reason };
      } else {
        const stateKey = await agentWithKey(ctx, "bench-state-paired");
        rows.push(await watch("memory store", () => benchMemoryStore(ctx, probe.key, stateKey, "bench-state-paired")));
        recall = await watch("recall", () => benchRecall(ctx));
        const search = await benchMemorySearch(ctx); // watches its seeding and each search group itself
        rows.push(...search.rows);
        seeding = search.seeding;
        diagnosis.push(...search.diagnosis);
        const embedding = await embedderCost(root);
        if (embedding) diagnosis.push(embedding);
      }
    }

    const report: Report = {
      machine,
      command,
      config,
      durationSeconds: (Date.now() - startedAt) / 1000,
      loadAtEnd: currentLoad(),
      rows,
      seeding,
      recall,
      diagnosis,
      notes,
    };
    console.log(`\n${textTable(report)}\n`);
    for (const s of seeding) console.log(`seeding ${s.from}→${s.to}: ${s.rate.toFixed(1)} memories/s`);
    for (const n of notes) console.log(`note: ${n}`);
    const output = resolve(root, config.output);
    writeFileSync(output, markdown(report));
    console.log(`\nwrote ${output} (${Math.round(report.durationSeconds)} s)`);
    return 0;
  } catch (err) {
    console.error(`\nbench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    if (servers) for (const s of [servers.api, servers.floor]) console.error(`\n--- ${s.name} log tail ---\n${logTail(s.logFile, 25)}`);
    return 1;
  } finally {
    await stopAll();
    if (config.keepData) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

process.on("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

process.exitCode = await main();
