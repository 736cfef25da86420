import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { pollTasks } from "../runs/run-fixtures";
import { hierarchy, putWorkflow, twoAgents, workflowName } from "../workflows/workflow-helpers";
import { query, valuesOf } from "./helpers";

// The runs' observations (what each finished run adds to its workflow's graph and bottlenecks) are readable
// with SQL, and belong to their workflow like its runs do: a caller denied `workflow:read` on a workflow sees
// none of its rows, through SQL or through the trace, graph and bottleneck routes.

const OBSERVATION_TABLES = ["_run_observations", "_run_agent_stats", "_run_edges", "_run_task_durations"];

/** Runs the small hierarchy to its end: the worker's task, then the supervisor's synthesis, completed as admin. */
async function finishedRun(name: string, supervisor: string, worker: string): Promise<string> {
  const runId = (await api("POST", `/v1/workflows/${name}/runs`)).body.run_id as string;
  for (const agent of [worker, supervisor])
    for (const task of await pollTasks(agent)) expect((await api("POST", `/v1/tasks/${task.task_id}/complete`, { body: { output: "done" } })).status).toBe(200);
  expect((await api("GET", `/v1/runs/${runId}`)).body.status).toBe("succeeded");
  return runId;
}

describe("observation rows under a workflow:read deny", () => {
  it("hides the denied workflow's observations in SQL (joins and subqueries too) and refuses its trace, graph and bottlenecks", async () => {
    const { a, b } = await twoAgents();
    const secret = workflowName("obs-secret");
    const open = workflowName("obs-open");
    for (const name of [secret, open]) expect((await putWorkflow(undefined, name, hierarchy(a, b))).status).toBe(201);
    const secretRun = await finishedRun(secret, a, b);
    const openRun = await finishedRun(open, a, b);
    // The admin sees both workflows in every table.
    for (const table of OBSERVATION_TABLES)
      expect(valuesOf(await query(`SELECT workflow FROM ${table} WHERE run_id IN (?, ?)`, { params: [secretRun, openRun] }), "workflow")).toEqual([open, secret].sort());

    const reader = await newAgent("reader");
    const policy = await api("POST", "/v1/policies", {
      body: { policy_id: uniqueId("deny-obs"), effect: "deny", actions: ["workflow:read"], resources: [`workflow:${secret}`], principals: [reader.agentId] },
    });
    expect(policy.status).toBe(201);

    for (const table of OBSERVATION_TABLES)
      expect(valuesOf(await query(`SELECT workflow FROM ${table} WHERE run_id IN (?, ?)`, { key: reader.key, params: [secretRun, openRun] }), "workflow")).toEqual([open]);
    const joined = await query(
      "SELECT o.workflow FROM _run_observations o JOIN _run_agent_stats s ON s.run_id = o.run_id WHERE o.run_id IN (SELECT run_id FROM _run_edges WHERE run_id IN (?, ?))",
      { key: reader.key, params: [secretRun, openRun] },
    );
    expect(valuesOf(joined, "workflow")).toEqual([open]);
    const totals = await query("SELECT COUNT(*) AS n FROM _run_task_durations WHERE workflow = ?", { key: reader.key, params: [secret] });
    expect(totals.body.rows).toEqual([{ n: 0 }]);

    expectError(await api("GET", `/v1/runs/${secretRun}/trace`, { key: reader.key }), 403, "forbidden");
    expectError(await api("GET", `/v1/runs/${secretRun}/trace?format=otlp`, { key: reader.key }), 403, "forbidden");
    expectError(await api("GET", `/v1/workflows/${secret}/graph`, { key: reader.key }), 403, "forbidden");
    expectError(await api("GET", `/v1/workflows/${secret}/bottlenecks`, { key: reader.key }), 403, "forbidden");
    // The open workflow stays readable to the same key.
    expect((await api("GET", `/v1/runs/${openRun}/trace`, { key: reader.key })).status).toBe(200);
    const graph = await api("GET", `/v1/workflows/${open}/graph`, { key: reader.key });
    expect(graph.status).toBe(200);
    expect(graph.body.runs).toBe(1);
    expect((await api("GET", `/v1/workflows/${open}/bottlenecks`, { key: reader.key })).body.agents.map((x: { agent: string }) => x.agent).sort()).toEqual([a, b].sort());
  });
});
