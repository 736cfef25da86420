/**
 * Issue "Governance", SQL: `POST /v1/query` with a simple SELECT on a user table (by primary key, one row)
 * through the whole API (authentication, the SQL guard, authorisation, result shaping), against the same
 * SQL run bare on D1 by the floor Worker in the same run. The guard's own CPU per statement is timed in
 * Node (the same V8 as workerd), cold (a statement it has not seen) and cached (a repeated one).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { measureGroup } from "../lib/series.ts";
import { summarize, type Summary } from "../lib/stats.ts";

const AGENT = "bench-sql";
const ROWS = 100;
const CREATE = "CREATE TABLE IF NOT EXISTS bench_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)";
const SELECT = "SELECT id, name, price FROM bench_items WHERE id = ?";
const SEED_QUERY =
  "SELECT agent_id, COUNT(*) AS denied_queries, MAX(denied_at) AS last_denial FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id HAVING COUNT(*) > 10 ORDER BY denied_queries DESC;";

export type QueryFigures = { rows: Row[]; diagnosis: string[] };

export async function benchQuery(ctx: BenchContext): Promise<QueryFigures> {
  const { api, floor, config } = ctx;
  const key = await agentWithKey(ctx, AGENT);
  const insert = `INSERT OR REPLACE INTO bench_items (id, name, price) SELECT value, 'item ' || value, value * 1.25 FROM json_each(?)`;
  const ids = JSON.stringify(Array.from({ length: ROWS }, (_, i) => i + 1));
  for (const sql of [CREATE, insert]) {
    const body = JSON.stringify(sql === insert ? { sql, params: [ids] } : { sql });
    await expectJson({ method: "POST", url: `${api}/v1/query`, key, body });
    await expectJson({ method: "POST", url: `${floor}/d1/sql`, body });
  }
  const bodies = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ sql: SELECT, params: [i + 1] }));

  console.log("sql: POST /v1/query vs the same SELECT bare on D1");
  const group = await measureGroup(
    [
      { name: "query", run: (i) => timedRequest({ method: "POST", url: `${api}/v1/query`, key, body: bodies[i % ROWS] }) },
      { name: "bare", run: (i) => timedRequest({ method: "POST", url: `${floor}/d1/sql`, body: bodies[i % ROWS] }) },
      // Interleaved with the two above, so that the subtraction below compares the same moments.
      { name: "whoami", run: () => timedRequest({ method: "GET", url: `${api}/v1/whoami`, key }) },
      { name: "noop", run: () => timedRequest({ method: "GET", url: `${floor}/noop` }) },
    ],
    { label: "sql", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: config.groupBudgetSeconds },
  );
  const query = group.results.get("query")!.summary;
  const bare = group.results.get("bare")!.summary;
  const whoami = group.results.get("whoami")!.summary;
  const noop = group.results.get("noop")!.summary;
  if (group.truncated) ctx.notes.push(`The sql group hit its time budget; fewer than ${config.requests} requests were measured per series.`);
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`sql ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);

  // What the query route adds beyond the API's fixed cost (authentication: one D1 read), against what the
  // bare query adds beyond a route with no I/O: the guard, the policy decisions and the result shaping.
  const overhead = query.p50 - whoami.p50 - (bare.p50 - noop.p50);
  const row: Row = {
    issue: "Governance",
    figure: "SQL simple SELECT (POST /v1/query)",
    value: query,
    floorName: "bare D1 query",
    floor: bare,
    goal: "guard + policy ≤ 1 ms over bare (p50)",
    pass: overhead <= 1,
    note:
      `p50 over bare: ${(query.p50 - bare.p50).toFixed(2)} ms in all; less the API's fixed cost per request (authentication, one D1 ` +
      `read: whoami ${whoami.p50.toFixed(2)} ms vs no-I/O route ${noop.p50.toFixed(2)} ms) that leaves ${overhead.toFixed(2)} ms for guard + policy + shaping`,
  };
  const diagnosis = [await guardCost(ctx.root)];
  return { rows: [row], diagnosis };
}

type GuardModule = { guardSql?: (sql: string, options?: { rowLimit?: number }) => { sql: string } };

/** The guard's CPU per statement, in Node: bundled with esbuild because the source uses extensionless imports. */
async function guardCost(root: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-guard-"));
  try {
    const esbuild = await import("esbuild");
    const outfile = join(dir, "guard.mjs");
    await esbuild.build({ entryPoints: [join(root, "src/sql/guard.ts")], bundle: true, format: "esm", platform: "neutral", mainFields: ["module", "main"], outfile, logLevel: "silent" });
    const { guardSql } = (await import(pathToFileURL(outfile).href)) as GuardModule;
    if (!guardSql) return "SQL guard CPU: not measured (no guardSql export).";
    const time = (sqlFor: (i: number) => string) => {
      const samples: number[] = [];
      for (let i = 0; i < 1200; i++) {
        const sql = sqlFor(i);
        const started = performance.now();
        guardSql(sql, { rowLimit: 10_001 });
        if (i >= 200) samples.push((performance.now() - started) * 1000); // the first 200 warm the JIT
      }
      return summarize(samples);
    };
    // A trailing comment makes each statement new to the guard's cache without changing what it does.
    const simpleCold = time((i) => `${SELECT} -- ${i}`);
    const seedCold = time((i) => `${SEED_QUERY} -- ${i}`);
    const cached = time(() => SELECT);
    const us = (s: Summary) => `${s.p50.toFixed(0)} µs (p95 ${s.p95.toFixed(0)})`;
    return (
      `SQL guard CPU per statement (src/sql/guard.ts, timed in Node): simple SELECT ${us(simpleCold)} parsed fresh, ` +
      `the supervisor's seed query ${us(seedCold)} parsed fresh, a repeated statement ${us(cached)} (the isolate keeps 512 analyses).`
    );
  } catch (err) {
    return `SQL guard CPU: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)}).`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
