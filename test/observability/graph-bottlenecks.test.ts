import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, count, expectError, newAgent, uniqueId } from "../helpers";
import { rawRunStub } from "../runs/run-fixtures";
import { ensureVersion, putWorkflow, workflowName } from "../workflows/workflow-helpers";

// The dependency graph and the bottleneck report over HTTP, from runs driven as agents drive them: tasks
// polled from inboxes and completed through /v1/tasks.

afterEach(() => {
  vi.useRealTimers();
});

async function agent(prefix: string) {
  const agentId = uniqueId(prefix);
  await ensureVersion(agentId, "1.0.0");
  const key = (await api("POST", `/v1/agents/${agentId}/keys`)).body.api_key as string;
  return { agentId, key };
}
type Agent = Awaited<ReturnType<typeof agent>>;

const poll = async (a: Agent) => (await api("GET", `/v1/inbox/${a.agentId}?kind=task&limit=100`, { key: a.key })).body.items as { task_id: string; input: unknown }[];
const complete = async (a: Agent, taskId: string, body: unknown = { output: "ok" }) => {
  const res = await api("POST", `/v1/tasks/${taskId}/complete`, { key: a.key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const start = async (name: string, by: Agent) => (await api("POST", `/v1/workflows/${name}/runs`, { key: by.key, body: { input: { quarter: "Q3" } } })).body.run_id as string;
const runStatus = async (runId: string) => (await api("GET", `/v1/runs/${runId}`)).body.status as string;

describe("GET /v1/workflows/{name}/graph", () => {
  it("shows the seed's shared-state edges declared, and observed from the reader's task and from an explicit read (state lineage)", async () => {
    const [revenue, cost, summary] = await Promise.all([agent("revenue-analyzer"), agent("cost-analyzer"), agent("profitability-summarizer")]);
    const name = workflowName("shared");
    const yaml = `coordination:
  pattern: shared-state
  state_store:
    type: key-value
    conflict_resolution: last-write-wins
  agents:
    - name: ${revenue.agentId}
      writes: ["revenue_by_region", "revenue_trends"]
    - name: ${cost.agentId}
      writes: ["cost_by_region", "cost_trends"]
    - name: ${summary.agentId}
      reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends"]
      writes: ["profitability_report"]
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    const before = await api("GET", `/v1/workflows/${name}/graph`, { key: summary.key });
    expect(before.status).toBe(200);
    expect(before.body.runs).toBe(0);
    expect(before.body.edges).toEqual(
      expect.arrayContaining([
        { from: revenue.agentId, to: summary.agentId, kind: "state", declared: true, observed_count: 0 },
        { from: cost.agentId, to: summary.agentId, kind: "state", declared: true, observed_count: 0 },
      ]),
    );
    expect(before.body.edges).toHaveLength(2);

    const runId = await start(name, revenue);
    const [r] = await poll(revenue);
    await complete(revenue, r!.task_id, { output: 1, state: { revenue_by_region: { emea: 10 }, revenue_trends: "up" } });
    const [c] = await poll(cost);
    await complete(cost, c!.task_id, { output: 1, state: { cost_by_region: { emea: 4 }, cost_trends: "flat" } });
    const [s] = await poll(summary);
    // The reader also reads a key explicitly while its task is open: one more read of revenue-analyzer's write.
    expect((await api("GET", `/v1/runs/${runId}/state/revenue_trends`, { key: summary.key })).body.value).toBe("up");
    await complete(summary, s!.task_id, { output: 1, state: { profitability_report: "fine" } });
    expect(await runStatus(runId)).toBe("succeeded");

    const graph = (await api("GET", `/v1/workflows/${name}/graph`, { key: summary.key })).body;
    expect(graph.runs).toBe(1);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: revenue.agentId, to: summary.agentId, kind: "state", declared: true, observed_count: 3 },
        { from: cost.agentId, to: summary.agentId, kind: "state", declared: true, observed_count: 2 },
      ]),
    );
    expect(graph.nodes).toEqual(expect.arrayContaining([{ agent: revenue.agentId, versions: ["1.0.0"] }, { agent: summary.agentId, versions: ["1.0.0"] }]));
    // Rows, not replays: each run adds its edges once.
    expect(await count("SELECT COUNT(*) AS n FROM _run_edges WHERE run_id = ?", runId)).toBe(2);
  });

  it("counts the seed's message edges and hierarchical delegations, keeps an edge a later revision dropped as undeclared, and honours since", async () => {
    const [collector, enricher, reporter] = await Promise.all([agent("data-collector"), agent("data-enricher"), agent("report-generator")]);
    const name = workflowName("chain");
    const flow = (edges: [Agent, Agent][]) => `coordination:
  pattern: message-passing
  flow:
${edges.map(([f, t]) => `    - {from: ${f.agentId}, to: ${t.agentId}, message: {schema: records}}`).join("\n")}
`;
    expect((await putWorkflow(undefined, name, flow([[collector, enricher], [enricher, reporter]]))).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const runId = await start(name, collector);
      for (const a of [collector, enricher, reporter]) for (const t of await poll(a)) await complete(a, t.task_id, { output: { records: [i] } });
      expect(await runStatus(runId)).toBe("succeeded");
    }
    expect((await putWorkflow(undefined, name, flow([[collector, reporter]]))).status).toBe(200);
    const graph = (await api("GET", `/v1/workflows/${name}/graph`)).body;
    expect(graph.revision).toBe(2);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: collector.agentId, to: enricher.agentId, kind: "message", declared: false, observed_count: 2 },
        { from: enricher.agentId, to: reporter.agentId, kind: "message", declared: false, observed_count: 2 },
        { from: collector.agentId, to: reporter.agentId, kind: "message", declared: true, observed_count: 0 },
      ]),
    );
    const future = (await api("GET", `/v1/workflows/${name}/graph?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body;
    expect(future.runs).toBe(0);
    expect(future.edges).toEqual([{ from: collector.agentId, to: reporter.agentId, kind: "message", declared: true, observed_count: 0 }]);

    const [sup, w1, w2] = await Promise.all([agent("executive-analyst"), agent("sales-analyst"), agent("ops-analyst")]);
    const hier = workflowName("hier");
    const yaml = `coordination:
  pattern: hierarchical
  supervisor: ${sup.agentId}
  workers:
    - {name: ${w1.agentId}, task: "Analyze Q3 sales performance"}
    - {name: ${w2.agentId}, task: "Analyze Q3 operational efficiency"}
  aggregation: {strategy: supervisor-synthesis, timeout_seconds: 300}
`;
    expect((await putWorkflow(undefined, hier, yaml)).status).toBe(201);
    const runId = await start(hier, sup);
    expect((await api("POST", `/v1/runs/${runId}/delegate`, { key: sup.key, body: { worker: w1.agentId, input: { more: true } } })).status).toBe(201);
    for (const w of [w1, w2]) for (const t of await poll(w)) await complete(w, t.task_id);
    for (const t of await poll(sup)) await complete(sup, t.task_id);
    expect(await runStatus(runId)).toBe("succeeded");
    const tree = (await api("GET", `/v1/workflows/${hier}/graph`)).body;
    expect(tree.edges).toEqual(
      expect.arrayContaining([
        { from: sup.agentId, to: w1.agentId, kind: "delegation", declared: true, observed_count: 2 },
        { from: sup.agentId, to: w2.agentId, kind: "delegation", declared: true, observed_count: 1 },
      ]),
    );
  });

  it("answers 404 for an unknown workflow, 400 for a bad since, 403 to a caller denied workflow:read", async () => {
    expectError(await api("GET", `/v1/workflows/${workflowName("none")}/graph`), 404, "not_found");
    expectError(await api("GET", `/v1/workflows/${workflowName("none")}/bottlenecks`), 404, "not_found");
    const { a } = { a: await agent("solo") };
    const name = workflowName("solo");
    expect((await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${(await agent("other")).agentId}}\n`)).status).toBe(201);
    expectError(await api("GET", `/v1/workflows/${name}/graph?since=yesterday`), 400, "invalid_request");
    expectError(await api("GET", `/v1/workflows/${name}/bottlenecks?since=2026-13-01`), 400, "invalid_request");
    const outsider = await newAgent("agent");
    expect((await api("POST", "/v1/policies", { body: { effect: "deny", actions: ["workflow:read"], resources: [`workflow:${name}`], principals: [outsider.agentId] } })).status).toBe(201);
    expectError(await api("GET", `/v1/workflows/${name}/graph`, { key: outsider.key }), 403, "forbidden");
    expectError(await api("GET", `/v1/workflows/${name}/bottlenecks`, { key: outsider.key }), 403, "forbidden");
  });
});

describe("GET /v1/workflows/{name}/bottlenecks", () => {
  it("puts the slow worker first: durations, retries, timeouts and its share of the critical path, from rows written once per run", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [sup, fast, slow] = await Promise.all([agent("executive-analyst"), agent("sales-analyst"), agent("ops-analyst")]);
    const name = workflowName("slowpoke");
    const yaml = `defaults: {task_timeout_seconds: 60, retries: 1}
coordination:
  pattern: hierarchical
  supervisor: ${sup.agentId}
  workers:
    - {name: ${fast.agentId}, task: "Analyze Q3 sales performance"}
    - {name: ${slow.agentId}, task: "Analyze Q3 operational efficiency"}
  aggregation: {strategy: supervisor-synthesis, timeout_seconds: 3600}
`;
    expect((await putWorkflow(undefined, name, yaml)).status).toBe(201);
    // Two runs. In each: fast answers after 1 s, slow after 5 s (run 1) or misses its 60 s deadline once and
    // its retry answers 2 s later (run 2); the synthesis takes 0.5 s.
    const runs: string[] = [];
    for (const retry of [false, true]) {
      const runId = await start(name, sup);
      runs.push(runId);
      const [f] = await poll(fast);
      const [s] = await poll(slow);
      vi.advanceTimersByTime(1000);
      await complete(fast, f!.task_id);
      if (retry) {
        vi.advanceTimersByTime(60_000);
        await runDurableObjectAlarm(rawRunStub(runId));
        const [again] = await poll(slow);
        vi.advanceTimersByTime(2000);
        await complete(slow, again!.task_id);
      } else {
        vi.advanceTimersByTime(4000);
        await complete(slow, s!.task_id);
      }
      const [synthesis] = await poll(sup);
      vi.advanceTimersByTime(500);
      await complete(sup, synthesis!.task_id);
      expect(await runStatus(runId)).toBe("succeeded");
    }
    // Run 1's critical path: slow 5 s + synthesis 0.5 s. Run 2's: slow's timed-out attempt 61 s, its retry 2 s, synthesis 0.5 s.
    const paths = await env.DB.prepare("SELECT run_id, critical_path_ms FROM _run_observations WHERE workflow = ? ORDER BY run_id").bind(name).all<{ critical_path_ms: number }>();
    expect(paths.results.map((r) => r.critical_path_ms)).toEqual([5500, 63_500]);

    const res = await api("GET", `/v1/workflows/${name}/bottlenecks`, { key: fast.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workflow: name, runs: 2, critical_path_ms: 69_000 });
    expect(res.body.agents.map((a: { agent: string }) => a.agent)).toEqual([slow.agentId, sup.agentId, fast.agentId]);
    const [worst, synth, quick] = res.body.agents;
    // slow's task durations: 5000, 61000 (timed out), 2000 → p50 5000; p95 = 5000 + 0.9 × (61000 − 5000) = 55400.
    expect(worst).toEqual({ agent: slow.agentId, tasks: 3, p50_ms: 5000, p95_ms: 55_400, retries: 1, timeouts: 1, failures: 0, critical_path_ms: 68_000, critical_path_share: 0.9855 });
    expect(synth).toMatchObject({ tasks: 2, p50_ms: 500, p95_ms: 500, critical_path_ms: 1000, critical_path_share: 0.0145 });
    expect(quick).toMatchObject({ tasks: 2, p50_ms: 1000, p95_ms: 1000, retries: 0, timeouts: 0, critical_path_ms: 0, critical_path_share: 0 });
    // A window that starts after the first run ended holds the second alone.
    const lastEnded = await env.DB.prepare("SELECT ended_at FROM _run_observations WHERE run_id = ?").bind(runs[1]).first<{ ended_at: string }>();
    const since = (await api("GET", `/v1/workflows/${name}/bottlenecks?since=${encodeURIComponent(lastEnded!.ended_at)}`)).body;
    expect(since.runs).toBe(1);
    expect(since.agents[0]).toMatchObject({ agent: slow.agentId, tasks: 2, critical_path_ms: 63_000 });
  });

  it("writes a run's observation rows once, however often the effect is carried out", async () => {
    const [a, b] = await Promise.all([agent("first"), agent("second")]);
    const name = workflowName("once");
    expect((await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`)).status).toBe(201);
    const runId = await start(name, a);
    for (const x of [a, b]) for (const t of await poll(x)) await complete(x, t.task_id);
    const { writeObservation } = await import("../../src/observability/observation-store");
    const rows = async () => [await count("SELECT COUNT(*) AS n FROM _run_agent_stats WHERE run_id = ?", runId), await count("SELECT COUNT(*) AS n FROM _run_task_durations WHERE run_id = ?", runId), await count("SELECT COUNT(*) AS n FROM _run_edges WHERE run_id = ?", runId)];
    expect(await rows()).toEqual([2, 2, 1]);
    const observation = await env.DB.prepare("SELECT * FROM _run_observations WHERE run_id = ?").bind(runId).first<Record<string, string | number>>();
    await writeObservation(env.DB, {
      run_id: runId, workflow: name, revision: 1, status: "succeeded", started_at: String(observation!.started_at), ended_at: String(observation!.ended_at),
      critical_path_ms: 1, critical_path: [], agents: [{ agent: a.agentId, versions: ["1.0.0"], tasks: 1, retries: 0, timeouts: 0, failures: 0, critical_path_ms: 1 }], durations: [], edges: [],
    });
    expect(await rows()).toEqual([1, 0, 0]);
  });
});
