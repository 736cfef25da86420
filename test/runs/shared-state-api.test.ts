import { describe, expect, it } from "vitest";
import { api, count, expectError } from "../helpers";
import { SHARED_STATE } from "../workflows/seed-blocks";
import { ensureVersion, putWorkflow, workflowName } from "../workflows/workflow-helpers";

// The seed's shared-state YAML, verbatim, through the API: the analysers write, the summariser starts once
// all four keys are there, writes the report, and the run's output is the final state.
const AGENTS = ["revenue-analyzer", "cost-analyzer", "profitability-summarizer"] as const;

async function keys() {
  const out: Record<string, string> = {};
  for (const agent of AGENTS) {
    await ensureVersion(agent, "1.0.0");
    out[agent] = (await api("POST", `/v1/agents/${agent}/keys`)).body.api_key;
  }
  return out;
}

const tasksOf = async (agent: string, key: string) => (await api("GET", `/v1/inbox/${agent}?kind=task`, { key })).body.items as { task_id: string; run_id: string; input: any }[];

describe("the seed's shared state over HTTP", () => {
  it("runs the analysers in parallel, starts the summariser after all four keys, refuses an undeclared write, and travels in time", async () => {
    const key = await keys();
    const name = workflowName("profitability");
    expect((await putWorkflow(undefined, name, SHARED_STATE)).status).toBe(201);
    const run = (await api("POST", `/v1/workflows/${name}/runs`, { body: { input: { quarter: "Q3" } } })).body;
    const [revenue] = (await tasksOf("revenue-analyzer", key["revenue-analyzer"]!)).filter((t) => t.run_id === run.run_id);
    const [cost] = (await tasksOf("cost-analyzer", key["cost-analyzer"]!)).filter((t) => t.run_id === run.run_id);
    expect(revenue && cost).toBeTruthy();

    // An undeclared write: 403, a recorded denial, nothing stored.
    const forged = await api("PUT", `/v1/runs/${run.run_id}/state/profitability_report`, { key: key["cost-analyzer"], body: { value: "forged" } });
    expectError(forged, 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = 'cost-analyzer' AND resource = ?", `workflow:${name}`)).toBeGreaterThan(0);
    expectError(await api("GET", `/v1/runs/${run.run_id}/state/profitability_report`), 404, "not_found");

    // Writes through the state API and with a completion; the summariser waits for all four keys.
    const first = await api("PUT", `/v1/runs/${run.run_id}/state/revenue_by_region`, { key: key["revenue-analyzer"], body: { value: { emea: 10, apac: 7 } } });
    expect(first.body).toMatchObject({ value: { emea: 10, apac: 7 }, version: 1, written_by: "revenue-analyzer" });
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await api("PUT", `/v1/runs/${run.run_id}/state/revenue_by_region`, { key: key["revenue-analyzer"], body: { value: { emea: 11, apac: 7 } } });
    expect((await api("POST", `/v1/tasks/${revenue!.task_id}/complete`, { key: key["revenue-analyzer"], body: { output: "done", state: { revenue_trends: "up" } } })).status).toBe(200);
    expect((await tasksOf("profitability-summarizer", key["profitability-summarizer"]!)).filter((t) => t.run_id === run.run_id)).toEqual([]);
    await api("POST", `/v1/tasks/${cost!.task_id}/complete`, { key: key["cost-analyzer"], body: { output: "done", state: { cost_by_region: { emea: 4, apac: 3 }, cost_trends: "flat" } } });
    const [summary] = (await tasksOf("profitability-summarizer", key["profitability-summarizer"]!)).filter((t) => t.run_id === run.run_id);
    expect(summary!.input.state).toEqual({ revenue_by_region: { emea: 11, apac: 7 }, cost_by_region: { emea: 4, apac: 3 }, revenue_trends: "up", cost_trends: "flat" });
    // The summariser reads what it declared; it is not the writer of cost_trends.
    expect((await api("GET", `/v1/runs/${run.run_id}/state/cost_trends`, { key: key["profitability-summarizer"] })).body).toMatchObject({ value: "flat", written_by: "cost-analyzer" });
    await api("POST", `/v1/tasks/${summary!.task_id}/complete`, { key: key["profitability-summarizer"], body: { output: "done", state: { profitability_report: { emea: 7, apac: 4 } } } });

    const done = (await api("GET", `/v1/runs/${run.run_id}`)).body;
    expect(done).toMatchObject({ status: "succeeded", output: { profitability_report: { emea: 7, apac: 4 }, revenue_trends: "up" } });
    const then = await api("GET", `/v1/runs/${run.run_id}/state?at=${encodeURIComponent(between)}`);
    expect(then.body).toEqual({ revenue_by_region: expect.objectContaining({ value: { emea: 10, apac: 7 }, version: 1 }) });
    const history = await api("GET", `/v1/runs/${run.run_id}/state/revenue_by_region/history`);
    expect(history.body.items.map((h: { version: number }) => h.version)).toEqual([1, 2]);
  });
});
