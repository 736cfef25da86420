/**
 * Issue "Lifecycle triggers": (1) a schedule's work per tick grows with the schedules due, not with those
 * defined: the lateness of 10 every-minute schedules (run started_at − scheduled_for) with 10 schedules
 * defined, then with 10,000 more defined (yearly ones, never due during the bench); (2) 1,000 schedules
 * due in the same minute all start their run within that minute, each exactly once; (3) a webhook call
 * answered with its started run, against a single inbox send, interleaved.
 *
 * Every schedule is its own Durable Object with its own alarm (durable-objects/lifecycle-trigger.ts), so
 * (1) and (2) are measured on the real alarm path of `wrangler dev`: no clock is faked. The workflows start
 * event-driven runs that no event matched, which succeed at once: the figures time the trigger and the
 * start, not agents. Wall time: about 2 × BENCH_SCHEDULE_MINUTES + 3 minutes, plus defining 10,000.
 *
 * Settings: BENCH_SCHEDULES=0 skips these figures; BENCH_SCHEDULE_MINUTES (default 3) minutes per lateness
 * phase; BENCH_SCHEDULE_DEFINED (default 10000) schedules defined beside the due ones; BENCH_HOOK_CALLS
 * (default 300) webhook calls and as many inbox sends.
 */
import { type BenchContext, agentWithKey } from "../lib/context.ts";
import { expectJson, request, timedRequest } from "../lib/http.ts";
import { runPool } from "../lib/pool.ts";
import type { Row } from "../lib/report.ts";
import { ratio, type Summary, summarize } from "../lib/stats.ts";

export type ScheduleFigures = { rows: Row[]; diagnosis: string[] };

const AGENT = "bench-sched-agent";
const ISSUE = "Lifecycle triggers";
const MAX_TRIGGERS = 20;

const setting = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not '${raw}'`);
  return value;
};

type Trigger = Record<string, unknown>;

/** A workflow whose runs need no agent: an event-driven entry no scheduled start matches. */
const document = (triggers: Trigger[]) => ({
  agents: [{ name: AGENT, version: "1.0.0" }],
  coordination: { pattern: "event-driven", events: [{ type: "bench.never", agents: [AGENT] }] },
  triggers,
});

const everyMinute = (count: number): Trigger[] => Array.from({ length: count }, () => ({ type: "schedule", cron: "* * * * *", timezone: "UTC" }));
/** Yearly schedules in many zones: defined, armed, and never due while the bench runs. */
const ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Lord_Howe", "America/Sao_Paulo", "Africa/Cairo", "Asia/Kolkata"];
const yearly = (from: number, count: number): Trigger[] =>
  Array.from({ length: count }, (_, i) => ({ type: "schedule", cron: `${(from + i) % 60} ${(from + i) % 24} 1 1 *`, timezone: ZONES[(from + i) % ZONES.length] }));

async function putWorkflow(ctx: BenchContext, name: string, triggers: Trigger[]): Promise<{ hook_keys?: { api_key: string }[] }> {
  const res = await request<{ hook_keys?: { api_key: string }[] }>({ method: "PUT", url: `${ctx.api}/v1/workflows/${name}`, key: ctx.adminToken, body: JSON.stringify(document(triggers)) });
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT /v1/workflows/${name} answered ${res.status}`);
  return res.json ?? {};
}

type RunRow = { trigger_id: string; scheduled_for: string; started_at: string };

/** The scheduled runs of workflows whose name starts with `prefix`, started at or after `since`. */
async function scheduledRuns(ctx: BenchContext, prefix: string, since: string): Promise<RunRow[]> {
  const res = await expectJson<{ rows: RunRow[]; truncated: boolean }>(
    {
      method: "POST",
      url: `${ctx.api}/v1/query`,
      key: ctx.adminToken,
      body: JSON.stringify({
        sql:
          "SELECT json_extract(trigger, '$.trigger_id') AS trigger_id, json_extract(trigger, '$.scheduled_for') AS scheduled_for, started_at " +
          "FROM _runs WHERE workflow LIKE ? AND trigger_type = 'schedule' AND json_extract(trigger, '$.scheduled_for') >= ?",
        params: [`${prefix}%`, since],
      }),
    },
    200,
  );
  return res.rows;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The next whole minute, plus a margin, as epoch ms. */
const nextMinute = (margin = 0) => Math.ceil((Date.now() + 1) / 60_000) * 60_000 + margin;

/** Lateness (ms) of each run, and how many (trigger, instant) pairs started more than once. */
function lateness(rows: RunRow[]): { samples: number[]; duplicates: number } {
  const seen = new Set<string>();
  let duplicates = 0;
  const samples: number[] = [];
  for (const r of rows) {
    const key = `${r.trigger_id} ${r.scheduled_for}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
    samples.push(Date.parse(r.started_at) - Date.parse(r.scheduled_for));
  }
  return { samples, duplicates };
}

/** Lets `minutes` whole minutes of instants pass and reads the due workflow's runs of those instants. */
async function measureDue(ctx: BenchContext, minutes: number): Promise<{ summary: Summary; duplicates: number; runs: number }> {
  const from = nextMinute();
  const until = from + (minutes - 1) * 60_000;
  await sleep(until + 20_000 - Date.now());
  const rows = (await scheduledRuns(ctx, "bench-sched-due", new Date(from).toISOString())).filter((r) => Date.parse(r.scheduled_for) <= until);
  const { samples, duplicates } = lateness(rows);
  return { summary: summarize(samples), duplicates, runs: rows.length };
}

async function defineQuiet(ctx: BenchContext, count: number): Promise<number> {
  const workflows = Math.ceil(count / MAX_TRIGGERS);
  const started = Date.now();
  const result = await runPool(0, workflows, 6, Date.now() + 1800_000, async (i) => {
    await putWorkflow(ctx, `bench-sched-quiet-${i}`, yearly(i * MAX_TRIGGERS, Math.min(MAX_TRIGGERS, count - i * MAX_TRIGGERS)));
  }, (done, seconds) => console.log(`schedules: ${done * MAX_TRIGGERS} defined in ${seconds.toFixed(0)} s`));
  if (result.failed) throw new Error(`${result.failed} workflow definitions failed: ${result.firstError}`);
  return (Date.now() - started) / 1000;
}

async function burst(ctx: BenchContext): Promise<{ expected: number; started: number; duplicates: number; missing: number; lateMax: number; summary: Summary }> {
  const workflows = 50;
  await Promise.all(Array.from({ length: workflows }, (_, i) => putWorkflow(ctx, `bench-sched-burst-${i}`, everyMinute(MAX_TRIGGERS))));
  const instant = nextMinute();
  await sleep(instant + 75_000 - Date.now());
  // Stop them before reading: the next instants would only add load.
  await Promise.all(Array.from({ length: workflows }, (_, i) => putWorkflow(ctx, `bench-sched-burst-${i}`, [])));
  const iso = new Date(instant).toISOString();
  const rows = (await scheduledRuns(ctx, "bench-sched-burst-", iso)).filter((r) => r.scheduled_for === iso);
  const { samples, duplicates } = lateness(rows);
  const expected = workflows * MAX_TRIGGERS;
  const distinct = new Set(rows.map((r) => r.trigger_id)).size;
  return { expected, started: rows.length, duplicates, missing: expected - distinct, lateMax: Math.max(0, ...samples), summary: summarize(samples) };
}

async function hookVersusInbox(ctx: BenchContext, calls: number): Promise<{ hook: Summary; inbox: Summary }> {
  const put = await putWorkflow(ctx, "bench-sched-hook", [{ type: "webhook", path: "/hooks/bench-sched", auth: { type: "api_key", header: "X-API-Key" } }]);
  const hookKey = put.hook_keys?.[0]?.api_key;
  if (!hookKey) throw new Error("the hook's key was not in the PUT answer (was bench-sched-hook defined before?)");
  const sender = await agentWithKey(ctx, "bench-sched-sender");
  await agentWithKey(ctx, "bench-sched-receiver");
  const hook = () => timedRequest({ method: "POST", url: `${ctx.api}/hooks/bench-sched`, headers: { "x-api-key": hookKey }, body: JSON.stringify({ quarter: "Q3" }) });
  const send = () => timedRequest({ method: "POST", url: `${ctx.api}/v1/inbox/bench-sched-receiver/messages`, key: sender, body: JSON.stringify({ type: "note", body: { quarter: "Q3" } }) });
  const hooks: number[] = [];
  const sends: number[] = [];
  const warmup = Math.min(30, Math.ceil(calls / 10));
  for (let i = 0; i < warmup + calls; i++) {
    // Interleaved, alternating which goes first, so background load falls on both alike.
    const [h, s] = i % 2 === 0 ? [await hook(), await send()] : [await send(), await hook()].reverse();
    if (i < warmup) continue;
    hooks.push(h!);
    sends.push(s!);
  }
  return { hook: summarize(hooks), inbox: summarize(sends) };
}

export async function benchSchedules(ctx: BenchContext): Promise<ScheduleFigures> {
  const minutes = setting("BENCH_SCHEDULE_MINUTES", 3);
  const defined = setting("BENCH_SCHEDULE_DEFINED", 10_000);
  const calls = setting("BENCH_HOOK_CALLS", 300);
  await agentWithKey(ctx, AGENT);
  await expectJson({ method: "POST", url: `${ctx.api}/v1/agents/${AGENT}/versions`, key: ctx.adminToken, body: JSON.stringify({ version: "1.0.0" }) }, 201);

  console.log(`schedules: 10 every-minute schedules, ${minutes} min with 10 defined`);
  await putWorkflow(ctx, "bench-sched-due", everyMinute(10));
  const few = await ctx.watch("schedules @10", () => measureDue(ctx, minutes));
  console.log(`schedules: defining ${defined} yearly schedules beside them`);
  const defineSeconds = await defineQuiet(ctx, defined);
  console.log(`schedules: ${minutes} min with ${defined + 10} defined`);
  const many = await ctx.watch(`schedules @${defined}`, () => measureDue(ctx, minutes));
  await putWorkflow(ctx, "bench-sched-due", []);

  console.log("schedules: 1,000 schedules due in one minute");
  const crowd = await ctx.watch("schedules: 1,000 due", () => burst(ctx));
  console.log(`schedules: webhook → run started vs inbox send, ${calls} each`);
  const hv = await ctx.watch("webhook vs inbox", () => hookVersusInbox(ctx, calls));

  const onceNote = (d: number, runs: number) => (d ? `${d} instants started twice!` : `${runs} runs, each instant once`);
  const rows: Row[] = [
    { issue: ISSUE, figure: "schedule lateness (run started − instant), 10 defined, 10 due a minute", value: few.summary, note: onceNote(few.duplicates, few.runs) },
    {
      issue: ISSUE,
      figure: `schedule lateness, ${defined + 10} defined, 10 due a minute`,
      value: many.summary,
      floorName: "same, 10 defined",
      floor: few.summary,
      goal: "p50 ≤ 1.5× @10 defined",
      pass: ratio(many.summary.p50, few.summary.p50) <= 1.5 && many.duplicates === 0,
      note: onceNote(many.duplicates, many.runs),
    },
    {
      issue: ISSUE,
      figure: "1,000 schedules due in the same minute: lateness of their runs",
      value: crowd.summary,
      goal: "all start within the minute, each once",
      pass: crowd.missing === 0 && crowd.duplicates === 0 && crowd.lateMax < 60_000,
      note: `${crowd.started} runs for ${crowd.expected} schedules: ${crowd.missing} missing, ${crowd.duplicates} twice, latest ${(crowd.lateMax / 1000).toFixed(1)} s after the instant`,
    },
    {
      issue: ISSUE,
      figure: "webhook call → run started (POST /hooks/{path}, api_key)",
      value: hv.hook,
      floorName: "single inbox send",
      floor: hv.inbox,
      goal: "p50 ≤ 2× inbox send",
      pass: ratio(hv.hook.p50, hv.inbox.p50) <= 2,
    },
  ];
  const diagnosis = [
    `Each schedule is its own Durable Object with its own alarm; a tick of one reads its registry row (one D1 read), starts its run and mirrors its state (one D1 batch), whatever else is defined. ` +
      `The every-minute safety net reads only overdue rows of an index (\`_lifecycle_triggers_due\`). Defining ${defined} schedules took ${defineSeconds.toFixed(0)} s (${Math.ceil(defined / MAX_TRIGGERS)} PUTs of ${MAX_TRIGGERS}).`,
    `Webhook → run started includes the hook lookup, the key check, the run's start (reference resolution in D1, the run's object, its registry row) and the audit and decision rows; an inbox send is one authorised call into the agent's object.`,
  ];
  return { rows, diagnosis };
}
