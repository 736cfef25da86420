import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { hierarchy, putWorkflow, twoAgents, workflowName } from "../workflows/workflow-helpers";
import { query, valuesOf } from "./helpers";

// The row rule holds for the coordination half's system tables too: a caller denied `workflow:read` on a
// workflow sees none of its runs, tasks, revisions or audit rows, through REST or SQL.
describe("workflow rows under a workflow:read deny", () => {
  it("hides the denied workflow's rows in _runs, _tasks, _workflows and _workflow_revisions, and its runs over REST", async () => {
    const { a, b } = await twoAgents();
    const secret = workflowName("secret");
    const open = workflowName("open");
    for (const name of [secret, open]) expect((await putWorkflow(undefined, name, hierarchy(a, b))).status).toBe(201);
    const secretRun = (await api("POST", `/v1/workflows/${secret}/runs`)).body.run_id as string;
    const openRun = (await api("POST", `/v1/workflows/${open}/runs`)).body.run_id as string;

    const reader = await newAgent("reader");
    const policy = await api("POST", "/v1/policies", {
      body: { policy_id: uniqueId("deny-secret"), effect: "deny", actions: ["workflow:read"], resources: [`workflow:${secret}`], principals: [reader.agentId] },
    });
    expect(policy.status).toBe(201);

    for (const table of ["_runs", "_tasks"]) {
      const seen = valuesOf(await query(`SELECT workflow FROM ${table} WHERE workflow IN (?, ?)`, { key: reader.key, params: [secret, open] }), "workflow");
      expect(seen).toEqual([open]);
    }
    expect(valuesOf(await query("SELECT name FROM _workflows WHERE name IN (?, ?)", { key: reader.key, params: [secret, open] }), "name")).toEqual([open]);
    expect(valuesOf(await query("SELECT name FROM _workflow_revisions WHERE name IN (?, ?)", { key: reader.key, params: [secret, open] }), "name")).toEqual([open]);
    // Through a join and a subquery too.
    const joined = await query("SELECT r.workflow FROM _runs r JOIN _tasks t ON t.run_id = r.run_id WHERE r.run_id IN (SELECT run_id FROM _runs WHERE run_id IN (?, ?))", { key: reader.key, params: [secretRun, openRun] });
    expect(valuesOf(joined, "workflow")).toEqual([open]);

    expectError(await api("GET", `/v1/runs/${secretRun}`, { key: reader.key }), 403, "forbidden");
    const listed = await api("GET", "/v1/runs?limit=100", { key: reader.key });
    const ids = listed.body.items.map((r: { run_id: string }) => r.run_id);
    expect(ids).toContain(openRun);
    expect(ids).not.toContain(secretRun);
    // The admin still sees both.
    expect(valuesOf(await query("SELECT workflow FROM _runs WHERE run_id IN (?, ?)", { params: [secretRun, openRun] }), "workflow")).toEqual([open, secret].sort());
  });
});
