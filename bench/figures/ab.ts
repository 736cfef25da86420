/**
 * Issue 15, A/B tests of agent versions: two figures, on an API server of their own.
 *
 * 1. Reading a test costs the same whatever it has seen: `GET /v1/ab-tests/{id}` of a test with 100,000
 *    finished tasks against one with 100 (goal: p50 ≤ 1.2×). Driving 100,000 tasks through runs would take
 *    hours, so the database is seeded before the server starts, as one that had seen them would be: the
 *    tasks' `_tasks` rows (so a read that scanned them would show it), one `_ab_assignments` row per run,
 *    and each arm's aggregates computed in SQL from those rows (counts, means and sums of squared
 *    deviations: what the running Welford updates arrive at). Both tests are seeded the same way.
 * 2. Keeping the aggregates costs a task completion little: `POST /v1/tasks/{id}/complete` of tasks in a
 *    running test with `auto_rollback` (the arm update and the read-back for the judgement ride in the
 *    completion's D1 batch) against tasks of the same workflow shape pinned outside any test (goal: p50 ≤
 *    1.1×). Each completion needs a task of its own: the runs are started and their tasks handed out
 *    before anything is timed.
 *
 * The server is this figure's own (`scripts/dev.mjs` on a fresh, pre-seeded `--persist-to`), stopped at
 * the end. Settings: BENCH_AB_TASKS (default min(BENCH_REQUESTS, 300)) completions timed per series.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { measureGroup } from "../lib/series.ts";
import { freePort, logTail, startServer, stopServer } from "../lib/servers.ts";
import { ratio } from "../lib/stats.ts";

const LARGE = 100_000;
const SMALL = 100;
// Fixed ids (the `ab_` shape: 26 base32 characters), so the seed and the reads agree.
const LARGE_TEST = "ab_00000000000000benchlarge00";
const SMALL_TEST = "ab_00000000000000benchsmall00";
const T0 = "2026-11-01T00:00:00.000Z";

export type AbFigures = { rows: Row[]; diagnosis: string[] };

/** SQL text of a string literal. */
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One seeded test: the agent, its two versions, the test row, `tasks` finished tasks and their arms' aggregates. */
function seedTest(testId: string, agentId: string, tasks: number): string {
  const versions = ["1.0.0", "1.1.0"]
    .map(
      (v) =>
        `INSERT INTO _agent_versions (agent_id, version, version_key, config, tags, prerelease, published_at, published_by) VALUES (${q(agentId)}, ${q(v)}, ${q(v)}, '{}', '[]', 0, ${q(T0)}, 'bench');`,
    )
    .join("\n");
  return `
INSERT INTO _agents (agent_id, role, attributes, description, created_at, updated_at) VALUES (${q(agentId)}, 'agent', '{}', 'bench', ${q(T0)}, ${q(T0)});
${versions}
INSERT INTO _ab_tests (ab_test_id, agent_id, version_a, version_b, split_a, split_b, metrics, duration_days, min_samples, sequential, auto_rollback, status, started_at, ends_at, created_by)
  VALUES (${q(testId)}, ${q(agentId)}, '1.0.0', '1.1.0', 80, 20, '["success_rate","avg_duration_ms","avg_token_usage","quality_score"]', NULL, 100, 1, 0, 'running', ${q(T0)}, NULL, 'bench');
-- Run i got arm b when i % 5 = 0 (an 80/20 split); one task in ten failed; durations 0.5-3.5 s; ratings on some.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${tasks})
INSERT INTO _tasks (task_id, run_id, workflow, agent_id, version, status, attempt, created_at, started_at, completed_at, deadline, error_code,
    tokens_in, tokens_out, ab_test_id, ab_arm, rating, rev)
  SELECT printf('tsk_%s%017d', ${q(agentId.slice(-9))}, i), printf('run_%s%013d', ${q(agentId.slice(-9))}, i), 'bench-ab', ${q(agentId)},
    CASE WHEN i % 5 = 0 THEN '1.1.0' ELSE '1.0.0' END, CASE WHEN i % 10 = 3 THEN 'failed' ELSE 'succeeded' END, 1,
    strftime('%Y-%m-%dT%H:%M:%fZ', ${q(T0)}, '+' || (i * 60) || ' seconds'),
    strftime('%Y-%m-%dT%H:%M:%fZ', ${q(T0)}, '+' || (i * 60) || ' seconds'),
    strftime('%Y-%m-%dT%H:%M:%fZ', ${q(T0)}, '+' || (i * 60 + 0.5 + (i * 7919 % 3000) / 1000.0) || ' seconds'),
    strftime('%Y-%m-%dT%H:%M:%fZ', ${q(T0)}, '+' || (i * 60 + 300) || ' seconds'),
    CASE WHEN i % 10 = 3 THEN 'task_failed' END, 300 + i % 200, 40 + i % 60, ${q(testId)}, CASE WHEN i % 5 = 0 THEN 'b' ELSE 'a' END,
    CASE WHEN i % 3 = 0 THEN 'up' WHEN i % 7 = 0 THEN 'down' END, 3
  FROM n;
INSERT INTO _ab_assignments (ab_test_id, run_id, arm, assigned_at) SELECT ab_test_id, run_id, ab_arm, created_at FROM _tasks WHERE ab_test_id = ${q(testId)};
INSERT INTO _ab_test_arms (ab_test_id, arm, version, assigned, samples, successes, duration_count, duration_mean, duration_m2, tokens_count, tokens_mean, tokens_m2, rated, up)
  SELECT ab_test_id, ab_arm, version, COUNT(*), COUNT(*), SUM(status = 'succeeded'), COUNT(*), AVG(d), SUM((d - dm) * (d - dm)), COUNT(*), AVG(t), SUM((t - tm) * (t - tm)),
    SUM(rating IS NOT NULL), SUM(rating = 'up')
  FROM (
    SELECT ab_test_id, ab_arm, version, status, rating, d, t, AVG(d) OVER (PARTITION BY ab_arm) AS dm, AVG(t) OVER (PARTITION BY ab_arm) AS tm
    FROM (SELECT ab_test_id, ab_arm, version, status, rating, round((julianday(completed_at) - julianday(started_at)) * 86400000.0) AS d,
            tokens_in + tokens_out AS t FROM _tasks WHERE ab_test_id = ${q(testId)})
  )
  GROUP BY ab_test_id, ab_arm;
`;
}

function wrangler(root: string, args: string[]): void {
  const result = spawnSync("npx", ["wrangler", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

/** A one-agent workflow whose agent is referenced as `ref` (JSON: the bench's client sends JSON). */
const workflowBody = (agentId: string, ref: string) =>
  JSON.stringify({
    agents: [{ name: agentId, version: ref }],
    coordination: { pattern: "shared-state", state_store: { type: "key-value", conflict_resolution: "last-write-wins" }, agents: [{ name: agentId, writes: ["result"] }] },
  });

export async function benchAb(ctx: BenchContext): Promise<AbFigures> {
  const { root, config, adminToken } = ctx;
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-ab-"));
  const data = join(dir, "api-data");
  try {
    console.log(`ab: seeding a test with ${LARGE.toLocaleString("en")} finished tasks and one with ${SMALL}`);
    wrangler(root, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", data]);
    const seed = join(dir, "seed.sql");
    writeFileSync(seed, seedTest(LARGE_TEST, "bench-ab-large", LARGE) + seedTest(SMALL_TEST, "bench-ab-small", SMALL));
    wrangler(root, ["d1", "execute", "DB", "--local", "--persist-to", data, "--file", seed]);

    const [port, inspector] = [await freePort(), await freePort()];
    const server = await startServer({
      name: "API for the A/B figures (scripts/dev.mjs)",
      command: process.execPath,
      args: ["scripts/dev.mjs", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--persist-to", data, "--var", `ADMIN_TOKEN:${adminToken}`],
      cwd: root,
      port,
      logFile: join(dir, "api.log"),
      startupSeconds: config.startupSeconds,
    });
    try {
      const api = server.base;
      const read = await readFigure(ctx, api);
      const completion = await completionFigure(ctx, api);
      return { rows: [read.row, completion.row], diagnosis: [read.diagnosis, completion.diagnosis] };
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- A/B server log tail ---\n${logTail(server.logFile, 25)}`);
    } finally {
      await stopServer(server);
    }
  } finally {
    if (!config.keepData) rmSync(dir, { recursive: true, force: true });
  }
}

async function readFigure(ctx: BenchContext, api: string): Promise<{ row: Row; diagnosis: string }> {
  const { config, adminToken: key } = ctx;
  type Arms = { arms: { a: { samples: number }; b: { samples: number } } };
  for (const [id, n] of [[LARGE_TEST, LARGE], [SMALL_TEST, SMALL]] as const) {
    const test = await expectJson<Arms>({ method: "GET", url: `${api}/v1/ab-tests/${id}`, key });
    const seen = test.arms.a.samples + test.arms.b.samples;
    if (seen !== n) throw new Error(`ab: the seeded test ${id} shows ${seen} samples, not ${n}`);
  }
  console.log("ab: GET /v1/ab-tests/{id} at 100k samples vs 100");
  const group = await measureGroup(
    [
      { name: "large", run: () => timedRequest({ method: "GET", url: `${api}/v1/ab-tests/${LARGE_TEST}`, key }) },
      { name: "small", run: () => timedRequest({ method: "GET", url: `${api}/v1/ab-tests/${SMALL_TEST}`, key }) },
    ],
    { label: "ab read", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: config.groupBudgetSeconds },
  );
  const large = group.results.get("large")!.summary;
  const small = group.results.get("small")!.summary;
  noteGroup(ctx, "ab read", group);
  return {
    row: {
      issue: "A/B tests",
      figure: "read a test with 100k samples (GET /v1/ab-tests/{id})",
      value: large,
      floorName: "the same with 100",
      floor: small,
      goal: "p50 ≤ 1.2× floor",
      pass: ratio(large.p50, small.p50) <= 1.2,
    },
    diagnosis:
      `A/B read: p50 ${large.p50.toFixed(2)} ms with ${LARGE.toLocaleString("en")} finished tasks against ${small.p50.toFixed(2)} ms with ${SMALL} ` +
      `(${ratio(large.p50, small.p50).toFixed(2)}×): a read is two rows (the test and its arms, one D1 batch) and recommend() over them, whatever the tasks.`,
  };
}

async function completionFigure(ctx: BenchContext, api: string): Promise<{ row: Row; diagnosis: string }> {
  const { config, adminToken: key } = ctx;
  const tasks = Number(process.env.BENCH_AB_TASKS ?? Math.min(config.requests, 300));
  const warmup = Math.min(config.warmup, 30);
  const perSeries = tasks + warmup;
  const agents = { tested: "bench-ab-tested", plain: "bench-ab-plain" } as const;
  for (const agentId of Object.values(agents)) {
    await expectJson({ method: "POST", url: `${api}/v1/agents`, key, body: JSON.stringify({ agent_id: agentId, description: "bench" }) }, 201);
    for (const version of ["1.0.0", "1.1.0"]) await expectJson({ method: "POST", url: `${api}/v1/agents/${agentId}/versions`, key, body: JSON.stringify({ version }) }, 201);
  }
  // The tested agent's runs use `latest` (so the test assigns them); the plain agent's are pinned to a version.
  await expectJson({ method: "PUT", url: `${api}/v1/workflows/bench-ab-tested`, key, body: workflowBody(agents.tested, "latest") }, 201);
  await expectJson({ method: "PUT", url: `${api}/v1/workflows/bench-ab-plain`, key, body: workflowBody(agents.plain, "1.0.0") }, 201);
  await expectJson(
    {
      method: "POST",
      url: `${api}/v1/ab-tests`,
      key,
      body: JSON.stringify({ agent: agents.tested, versions: { a: "1.0.0", b: "1.1.0" }, traffic_split: { a: 50, b: 50 }, metrics: ["success_rate", "avg_duration_ms", "avg_token_usage"], auto_rollback: true }),
    },
    201,
  );

  console.log(`ab: starting ${perSeries} runs per series, then timing their completions`);
  const ids: Record<keyof typeof agents, string[]> = { tested: [], plain: [] };
  for (const series of ["tested", "plain"] as const) {
    for (let i = 0; i < perSeries; i++) await expectJson({ method: "POST", url: `${api}/v1/workflows/bench-ab-${series}/runs`, key, body: "{}" }, 201);
    while (ids[series].length < perSeries) {
      const page = await expectJson<{ items: { task_id: string }[] }>({ method: "GET", url: `${api}/v1/inbox/${agents[series]}?kind=task&limit=100`, key });
      if (page.items.length === 0) throw new Error(`ab: only ${ids[series].length} of ${perSeries} ${series} tasks reached the inbox`);
      ids[series].push(...page.items.map((t) => t.task_id));
    }
  }
  const body = JSON.stringify({ output: { ok: true }, usage: { tokens_in: 320, tokens_out: 48 } });
  const group = await measureGroup(
    (["tested", "plain"] as const).map((series) => ({
      name: series,
      run: (i: number) => timedRequest({ method: "POST", url: `${api}/v1/tasks/${ids[series][i]}/complete`, key, body }),
    })),
    { label: "ab completion", warmup, requests: tasks, rounds: config.rounds, budgetSeconds: config.groupBudgetSeconds },
  );
  const tested = group.results.get("tested")!.summary;
  const plain = group.results.get("plain")!.summary;
  noteGroup(ctx, "ab completion", group);
  type Listed = { items: { arms: { a: { samples: number }; b: { samples: number } } }[] };
  const listed = await expectJson<Listed>({ method: "GET", url: `${api}/v1/ab-tests?agent=${agents.tested}`, key });
  const counted = (listed.items[0]?.arms.a.samples ?? 0) + (listed.items[0]?.arms.b.samples ?? 0);
  const completed = warmup + group.results.get("tested")!.samples.length;
  if (counted !== completed) ctx.notes.push(`ab completion: the test's arms counted ${counted} finished tasks, but ${completed} were completed.`);
  return {
    row: {
      issue: "A/B tests",
      figure: "task completion in a test (POST /v1/tasks/{id}/complete)",
      value: tested,
      floorName: "completion outside any test",
      floor: plain,
      goal: "p50 ≤ 1.1× floor",
      pass: ratio(tested.p50, plain.p50) <= 1.1,
    },
    diagnosis:
      `A/B completion: p50 ${tested.p50.toFixed(2)} ms in a test with auto_rollback against ${plain.p50.toFixed(2)} ms outside (${ratio(tested.p50, plain.p50).toFixed(2)}×); ` +
      `the arm update and the read-back for the judgement ride in the completion's own D1 batch (no extra round trip). The arms counted ${counted} of the ${completed} completions.`,
  };
}

function noteGroup(ctx: BenchContext, label: string, group: Awaited<ReturnType<typeof measureGroup>>): void {
  if (group.truncated) ctx.notes.push(`The ${label} group hit its time budget; fewer requests were measured than asked.`);
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`${label} ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);
}
