import { afterEach, describe, expect, it } from "vitest";
import { api, newAgent, uniqueId } from "../helpers";
import { EMAIL, REDACT, agentWithKey, clearDeploymentRules, deploymentRules } from "../guard-rails/guard-helpers";
import { hierarchy, putWorkflow, twoAgents, workflowName } from "../workflows/workflow-helpers";
import { query, valuesOf } from "./helpers";

// The row rule holds for `_guard_rail_violations` as for the audit rows: a violation is about the write's
// resource (a memory namespace, a workflow, a table), and SQL shows a caller only the violations about
// resources it may read through the REST API, wherever the statement reads the table.

afterEach(clearDeploymentRules);

describe("_guard_rail_violations under the row rule", () => {
  it("shows a private namespace's violations to its agent and the admin only, and hides a denied workflow's", async () => {
    await deploymentRules(REDACT);
    const writer = await agentWithKey("grv-writer");
    const stored = await api("POST", "/v1/memory", { key: writer.key, body: { agent_id: writer.agentId, content: `Reach me at ${EMAIL}` } });
    expect(stored.status).toBe(201);
    expect(stored.body.content).toBe("Reach me at [REDACTED:email]");

    const { a, b } = await twoAgents();
    const secret = workflowName("grv-secret");
    const open = workflowName("grv-open");
    for (const name of [secret, open]) {
      expect((await putWorkflow(undefined, name, hierarchy(a, b))).status).toBe(201);
      expect((await api("POST", `/v1/workflows/${name}/runs`, { body: { input: { contact: EMAIL } } })).status).toBe(201);
    }

    const reader = await newAgent("reader");
    const policy = await api("POST", "/v1/policies", {
      body: { policy_id: uniqueId("deny-secret"), effect: "deny", actions: ["workflow:read"], resources: [`workflow:${secret}`], principals: [reader.agentId] },
    });
    expect(policy.status).toBe(201);

    const resources = [`memory:${writer.agentId}`, `workflow:${secret}`, `workflow:${open}`];
    const sql = "SELECT resource FROM _guard_rail_violations WHERE resource IN (?, ?, ?)";
    // Another agent: not the writer's private namespace, not the denied workflow.
    expect(valuesOf(await query(sql, { key: reader.key, params: resources }), "resource")).toEqual([`workflow:${open}`]);
    // Through a subquery and a join too.
    const nested = await query(`SELECT v.resource FROM _guard_rail_violations v JOIN (SELECT violation_id FROM _guard_rail_violations WHERE resource IN (?, ?, ?)) w USING (violation_id)`, {
      key: reader.key,
      params: resources,
    });
    expect(valuesOf(nested, "resource")).toEqual([`workflow:${open}`]);
    // The writer sees its own namespace's violation.
    expect(valuesOf(await query(sql, { key: writer.key, params: resources }), "resource")).toContain(`memory:${writer.agentId}`);
    // The admin sees every one.
    expect(valuesOf(await query(sql, { params: resources }), "resource")).toEqual([...resources].sort());
    // And nobody writes them.
    expect((await query("DELETE FROM _guard_rail_violations WHERE resource = ?", { key: writer.key, params: [`memory:${writer.agentId}`] })).status).toBe(403);
  });
});
