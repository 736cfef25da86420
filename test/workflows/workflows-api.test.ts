import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type ApiResponse, ISO_MILLIS, api, auditRowsFor, count, expectError, newAgent, newRequestId } from "../helpers";
import { AGENTS, EVENT_DRIVEN, HIERARCHICAL, MESSAGE_PASSING, SHARED_STATE } from "./seed-blocks";
import { ensureVersion, hierarchy, issuesOf, putWorkflow, seedCatalog, storedRows, twoAgents, workflowName } from "./workflow-helpers";

beforeAll(seedCatalog);

describe("PUT /v1/workflows/{name}: the seed's blocks, verbatim", () => {
  for (const [label, block, pattern] of [
    ["event-driven", EVENT_DRIVEN, "event-driven"],
    ["message-passing", MESSAGE_PASSING, "message-passing"],
    ["shared-state", SHARED_STATE, "shared-state"],
    ["hierarchical", HIERARCHICAL, "hierarchical"],
  ] as const) {
    it(`accepts the ${label} block as the whole body (201)`, async () => {
      const name = workflowName(label);
      const res = await putWorkflow(undefined, name, block);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(
        ["agents", "coordination", "created_at", "created_by", "defaults", "description", "guard_rails", "name", "revision", "schemas", "triggers", "updated_at", "warnings"].sort(),
      );
      expect(res.body).toMatchObject({ name, revision: 1, description: null, triggers: [], guard_rails: null, defaults: { task_timeout_seconds: 300, retries: 1 }, created_by: "admin" });
      expect(res.body.coordination).toEqual([expect.objectContaining({ pattern })]);
      expect(res.body.created_at).toMatch(ISO_MILLIS);
      // Every agent is unlisted, so each runs as @latest: legal, with the seed's own advice as a warning.
      for (const agent of res.body.agents) expect(agent.version).toBe("latest");
      const latestWarnings = res.body.warnings.filter((w: { message: string }) => /pin a version/.test(w.message));
      expect(latestWarnings).toHaveLength(res.body.agents.length);
      expect(latestWarnings[0].message).toMatch(/resolves to 1\.2\.0 now/);
      expect(latestWarnings[0].line).toEqual(expect.any(Number));
    });
  }

  it("accepts the agents block alone, and combined with a pattern", async () => {
    const alone = await putWorkflow(undefined, workflowName("agents"), AGENTS);
    expect(alone.status).toBe(201);
    expect(alone.body.agents).toEqual([
      { name: "revenue-analyst", version: "1.2.0" },
      { name: "cost-analyzer", version: "latest" },
    ]);
    const combined = await putWorkflow(undefined, workflowName("combined"), `description: Quarterly revenue pipeline\n${AGENTS}${SHARED_STATE}`);
    expect(combined.status).toBe(201);
    expect(combined.body.agents.map((a: { name: string; version: string }) => `${a.name}@${a.version}`)).toEqual([
      "revenue-analyst@1.2.0",
      "cost-analyzer@latest",
      "revenue-analyzer@latest",
      "profitability-summarizer@latest",
    ]);
  });

  it("takes the same document as JSON, and YAML under its other media types", async () => {
    for (const contentType of ["application/json", "text/yaml", "application/x-yaml", "application/yaml; charset=utf-8"]) {
      const body = contentType === "application/json" ? JSON.stringify({ coordination: { pattern: "hierarchical", supervisor: "executive-analyst", workers: [{ name: "sales-analyst", task: "t" }] } }) : HIERARCHICAL;
      const res = await putWorkflow(undefined, workflowName("media"), body, contentType);
      expect(res.status, contentType).toBe(201);
    }
    const name = workflowName("plain");
    const res = await putWorkflow(undefined, name, HIERARCHICAL, "text/plain");
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details[0].path).toBe("Content-Type");
    expect(await storedRows(name)).toEqual({ workflows: 0, revisions: 0 });
  });

  it("refuses a name outside the contract's pattern", async () => {
    expectError(await putWorkflow(undefined, "-bad-start", HIERARCHICAL), 400, "invalid_request");
  });
});

describe("PUT refuses coordination bugs with 400, storing nothing", () => {
  const refused = async (text: string, contentType = "application/yaml") => {
    const name = workflowName("bad");
    const res = await putWorkflow(undefined, name, text, contentType);
    const issues = issuesOf(res);
    expect(await storedRows(name)).toEqual({ workflows: 0, revisions: 0 });
    return issues;
  };

  it("a YAML syntax error, with its line and column", async () => {
    const [issue] = await refused("coordination:\n  pattern: hierarchical\n  supervisor: executive-analyst\n  workers: [{name: sales-analyst, task: t}\n");
    expect(issue).toMatchObject({ path: "(body)", line: expect.any(Number), column: expect.any(Number) });
  });

  it("an unknown agent, at the place it is used", async () => {
    const issues = await refused("coordination:\n  pattern: hierarchical\n  supervisor: executive-analyst\n  workers:\n    - {name: nobody-registered-this, task: t}\n");
    expect(issues).toEqual([{ path: "coordination.workers[0].name", line: 5, column: 14, message: expect.stringMatching(/not registered/) }]);
  });

  it("a version or range that matches nothing", async () => {
    const issues = await refused(`agents:
  - {name: executive-analyst, version: "9.9.9"}
  - sales-analyst@^3
coordination:
  pattern: hierarchical
  supervisor: executive-analyst
  workers: [{name: sales-analyst, task: t}]
`);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ["agents[0]", 2],
      ["agents[1]", 3],
    ]);
    expect(issues[0]!.message).toMatch(/no version 9\.9\.9.*published: 1\.2\.0, 1\.0\.0/);
    expect(issues[1]!.message).toMatch(/satisfies '\^3'/);
  });

  it("a pin of a deprecated version", async () => {
    const { a, b } = await twoAgents();
    await api("POST", `/v1/agents/${a}/versions/1.0.0/deprecate`, { body: { reason: "superseded" } });
    const issues = await refused(hierarchy(a, b));
    expect(issues).toEqual([expect.objectContaining({ path: "agents[0]", message: expect.stringMatching(/deprecated/) })]);
  });

  it("a message edge to an unknown agent", async () => {
    const issues = await refused("coordination:\n  pattern: message-passing\n  flow:\n    - {from: data-collector, to: data-enricher}\n    - {from: data-enricher, to: data-enrichr}\n");
    expect(issues).toEqual([expect.objectContaining({ path: "coordination.flow[1].to", line: 5 })]);
  });

  it("a duplicate worker, and a worker that is the supervisor", async () => {
    const issues = await refused(`coordination:
  pattern: hierarchical
  supervisor: executive-analyst
  workers:
    - {name: sales-analyst, task: one}
    - {name: executive-analyst, task: two}
    - {name: sales-analyst, task: three}
`);
    expect(issues.map((i) => i.path)).toEqual(["coordination.workers[2].name", "coordination.workers[1].name"]);
  });

  it("a shared-state read nobody writes, and an agent reading only what it writes", async () => {
    const issues = await refused(`coordination:
  pattern: shared-state
  agents:
    - {name: revenue-analyzer, writes: [revenue_by_region]}
    - {name: profitability-summarizer, reads: [revenue_by_region, cost_by_region]}
    - {name: cost-analyzer, reads: [cost_trends], writes: [cost_trends]}
`);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ["coordination.agents[1].reads[1]", 5],
      ["coordination.agents[2].reads[0]", 6],
    ]);
  });

  it("an unknown field, named", async () => {
    const issues = await refused(`${HIERARCHICAL}  retries: 3\n`);
    expect(issues).toEqual([{ path: "coordination.retries", line: 14, column: 3, message: expect.stringMatching(/not a known field/) }]);
    const json = await refused(JSON.stringify({ coordination: { pattern: "hierarchical", supervisor: "executive-analyst", workers: [{ name: "sales-analyst", task: "t" }] }, owner: "me" }), "application/json");
    expect(json).toEqual([{ path: "owner", line: null, column: null, message: expect.any(String) }]);
  });

  it("an event filter that does not compile, with its path and line", async () => {
    const issues = await refused(EVENT_DRIVEN.replace(`"severity >= 'high'"`, `"severity >= 'high' &&"`));
    expect(issues).toEqual([expect.objectContaining({ path: "coordination.events[1].filter", line: 10, column: 15, message: expect.stringMatching(/CEL/) })]);
  });

  it("never answers 5xx to garbage", async () => {
    for (const body of ["\u0000", "{{{{", "[1, 2", "a: [".repeat(5000), `${"- ".repeat(3000)}x`, "coordination: *nope\n", "? [a, b]\n: c\n"]) {
      const name = workflowName("fuzz");
      const res = await putWorkflow(undefined, name, body);
      expect(res.status, body.slice(0, 20)).toBe(400);
      expect(await storedRows(name)).toEqual({ workflows: 0, revisions: 0 });
    }
  });
});

describe("revisions", () => {
  it("makes no new revision for a body equal to the current one, however it is written", async () => {
    const name = workflowName("same");
    expect((await putWorkflow(undefined, name, HIERARCHICAL)).status).toBe(201);
    const again = await putWorkflow(undefined, name, HIERARCHICAL);
    expect(again.status).toBe(200);
    expect(again.body.revision).toBe(1);
    const reformatted = await putWorkflow(
      undefined,
      name,
      JSON.stringify({
        coordination: {
          pattern: "hierarchical",
          supervisor: "executive-analyst",
          aggregation: { timeout_seconds: 300 },
          workers: [
            { name: "sales-analyst", task: "Analyze Q3 sales performance", branch: false },
            { name: "marketing-analyst", task: "Analyze Q3 campaign effectiveness" },
            { name: "ops-analyst", task: "Analyze Q3 operational efficiency" },
          ],
        },
      }),
      "application/json",
    );
    expect(reformatted.status).toBe(200);
    expect(reformatted.body.revision).toBe(1);
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: 1 });
  });

  it("keeps every revision; GET ?revision= shows an old one; rollback makes a new revision equal to it", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("revs");
    const first = await putWorkflow(undefined, name, hierarchy(a, b, "first task"));
    const second = await putWorkflow(undefined, name, hierarchy(a, b, "second task"));
    expect([first.status, first.body.revision, second.status, second.body.revision]).toEqual([201, 1, 200, 2]);
    expect(second.body.created_at).toBe(first.body.created_at);

    const old = await api("GET", `/v1/workflows/${name}?revision=1`);
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ revision: 1, coordination: [{ workers: [{ task: "first task" }] }] });
    expect((await api("GET", `/v1/workflows/${name}`)).body).toMatchObject({ revision: 2, coordination: [{ workers: [{ task: "second task" }] }] });
    expectError(await api("GET", `/v1/workflows/${name}?revision=7`), 404, "not_found");

    const requestId = newRequestId("rollback");
    const rolled = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 }, headers: { "x-request-id": requestId } });
    expect(rolled.status).toBe(201);
    expect(rolled.body).toMatchObject({ revision: 3, coordination: [{ workers: [{ task: "first task" }] }] });
    expect((await auditRowsFor(requestId)).map((r) => [r.action, JSON.parse(r.details!).rollback_of])).toEqual([["workflow:rollback", 1]]);

    const revisions = await api("GET", `/v1/workflows/${name}/revisions?limit=2`);
    expect(revisions.body.items.map((r: { revision: number }) => r.revision)).toEqual([3, 2]);
    expect(revisions.body.items[0]).toMatchObject({ rollback_of: 1, created_by: "admin" });
    const rest = await api("GET", `/v1/workflows/${name}/revisions?limit=2&cursor=${revisions.body.next_cursor}`);
    expect(rest.body.items[0].content_hash).toBe(revisions.body.items[0].content_hash);
    expect(rest.body.next_cursor).toBeNull();

    // Rolling back to what is current already makes nothing new.
    const noop = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 } });
    expect([noop.status, noop.body.revision]).toEqual([200, 3]);
    expectError(await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 42 } }), 404, "not_found");
  });

  it("refuses a rollback onto a pin deprecated since, like any change", async () => {
    const { a, b } = await twoAgents();
    await ensureVersion(a, "1.1.0");
    const name = workflowName("rb-deprecated");
    await putWorkflow(undefined, name, hierarchy(a, b));
    await putWorkflow(undefined, name, hierarchy(a, b).replace(`{name: ${a}, version: "1.0.0"}`, `{name: ${a}, version: "1.1.0"}`));
    await api("POST", `/v1/agents/${a}/versions/1.0.0/deprecate`);
    const res = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 } });
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: "agents[0]", line: 3, message: expect.stringMatching(/deprecated/) })]);
    expect((await api("GET", `/v1/workflows/${name}`)).body.revision).toBe(2);
    // What already pinned it keeps it: the old revision still reads as it was.
    expect((await api("GET", `/v1/workflows/${name}?revision=1`)).body.agents[0]).toEqual({ name: a, version: "1.0.0" });
  });

  it("honours Idempotency-Key on rollback", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("rb-idem");
    await putWorkflow(undefined, name, hierarchy(a, b, "one"));
    await putWorkflow(undefined, name, hierarchy(a, b, "two"));
    const headers = { "idempotency-key": newRequestId("idem") };
    const first = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 }, headers });
    const retry = await api("POST", `/v1/workflows/${name}/rollback`, { body: { revision: 1 }, headers });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: 3 });
  });

  it("leaves the current revision as it was when a change is refused", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("keep");
    await putWorkflow(undefined, name, hierarchy(a, b));
    issuesOf(await putWorkflow(undefined, name, hierarchy(a, a)));
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: 1 });
  });

  it("numbers concurrent changes without gaps or collisions", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("race");
    await putWorkflow(undefined, name, hierarchy(a, b, "start"));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => putWorkflow(undefined, name, hierarchy(a, b, `task ${i}`))));
    const saved = results.filter((r) => r.status === 200);
    for (const r of results.filter((r) => r.status !== 200)) expect(r.body.error.details).toEqual({ reason: "concurrent_change" });
    const numbers = saved.map((r) => r.body.revision as number).sort((x, y) => x - y);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 2));
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: saved.length + 1 });
  });

  it("creates one workflow when 20 identical creations race", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("race-create");
    const results = await Promise.all(Array.from({ length: 20 }, () => putWorkflow(undefined, name, hierarchy(a, b))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results) expect([200, 201, 409]).toContain(r.status);
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: 1 });
  });
});

describe("who may read and change workflows", () => {
  it("lets an agent create a workflow, and only it or an admin change it; another agent gets 403 and a denial", async () => {
    const [author, other, admin] = await Promise.all([newAgent(), newAgent(), newAgent("admin")]);
    const { a, b } = await twoAgents();
    const name = workflowName("owned");
    const created = await putWorkflow(author.key, name, hierarchy(a, b, "one"));
    expect(created.status).toBe(201);
    expect(created.body.created_by).toBe(author.agentId);

    const requestId = newRequestId("wf-denied");
    const denied = await putWorkflow(other.key, name, hierarchy(a, b, "hijacked"), "application/yaml", { "x-request-id": requestId });
    expectError(denied, 403, "forbidden");
    expect(denied.body.error.details).toMatchObject({ action: "workflow:write", resource: `workflow:${name}` });
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = ?", other.agentId, `workflow:${name}`)).toBe(1);
    expect((await auditRowsFor(requestId)).map((r) => r.status)).toEqual(["denied"]);
    expectError(await api("POST", `/v1/workflows/${name}/rollback`, { key: other.key, body: { revision: 1 } }), 403, "forbidden");
    expectError(await api("DELETE", `/v1/workflows/${name}`, { key: other.key }), 403, "forbidden");
    expect(await storedRows(name)).toEqual({ workflows: 1, revisions: 1 });

    expect((await putWorkflow(author.key, name, hierarchy(a, b, "two"))).status).toBe(200);
    expect((await putWorkflow(admin.key, name, hierarchy(a, b, "three"))).status).toBe(200);
    // The author stays the author when an admin changes it.
    expect((await api("GET", `/v1/workflows/${name}`, { key: other.key })).body.created_by).toBe(author.agentId);
  });

  it("lets a reader read everything but PUT nothing (403)", async () => {
    const reader = await newAgent("reader");
    const { a, b } = await twoAgents();
    const name = workflowName("read");
    await putWorkflow(undefined, name, hierarchy(a, b));
    expect((await api("GET", `/v1/workflows/${name}`, { key: reader.key })).status).toBe(200);
    expect((await api("GET", `/v1/workflows/${name}/revisions`, { key: reader.key })).status).toBe(200);
    const listed = await api("GET", "/v1/workflows?limit=100", { key: reader.key });
    expect(listed.status).toBe(200);
    const fresh = workflowName("reader-put");
    expectError(await putWorkflow(reader.key, fresh, hierarchy(a, b)), 403, "forbidden");
    expect(await storedRows(fresh)).toEqual({ workflows: 0, revisions: 0 });
  });

  it("shows `_workflows` and `_workflow_revisions` to SQL, read-only", async () => {
    const reader = await newAgent("reader");
    const { a, b } = await twoAgents();
    const name = workflowName("sql");
    await putWorkflow(undefined, name, hierarchy(a, b));
    const rows = await api("POST", "/v1/query", {
      key: reader.key,
      body: { sql: "SELECT w.current_revision, r.content_hash, json_extract(r.definition, '$.coordination[0].pattern') AS pattern FROM _workflows w JOIN _workflow_revisions r ON r.name = w.name WHERE w.name = ?", params: [name] },
    });
    expect(rows.body.rows).toEqual([{ current_revision: 1, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), pattern: "hierarchical" }]);
    const agent = await newAgent();
    expectError(await api("POST", "/v1/query", { key: agent.key, body: { sql: "DELETE FROM _workflow_revisions WHERE name = ?", params: [name] } }), 403, "forbidden");
  });
});

describe("listing and deleting", () => {
  it("lists live workflows by name, in pages", async () => {
    const { a, b } = await twoAgents();
    const prefix = workflowName("list");
    for (const suffix of ["c", "a", "b"]) await putWorkflow(undefined, `${prefix}-${suffix}`, hierarchy(a, b));
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api("GET", `/v1/workflows?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      names.push(...res.body.items.map((w: { name: string }) => w.name));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(names.filter((n) => n.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
  });

  it("deletes (audited), then answers 404; the name can be used again, numbering on", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("del");
    await putWorkflow(undefined, name, hierarchy(a, b, "one"));
    await putWorkflow(undefined, name, hierarchy(a, b, "two"));
    const requestId = newRequestId("wf-delete");
    const deleted = await api("DELETE", `/v1/workflows/${name}`, { headers: { "x-request-id": requestId } });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ name, deleted: true, cancelled_runs: [] });
    expect((await auditRowsFor(requestId)).map((r) => r.action)).toEqual(["workflow:delete"]);
    expectError(await api("GET", `/v1/workflows/${name}`), 404, "not_found");
    expectError(await api("DELETE", `/v1/workflows/${name}`), 404, "not_found");
    const again = await putWorkflow(undefined, name, hierarchy(a, b, "one"));
    expect([again.status, again.body.revision]).toEqual([201, 3]);
  });

  // Until the run engine lands, run-control.ts reads a minimal `_runs` registry; this stands in for it.
  it("refuses to delete while runs are running (409, listing them), unless ?force=true cancels them", async () => {
    const { a, b } = await twoAgents();
    const name = workflowName("busy");
    await putWorkflow(undefined, name, hierarchy(a, b));
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push((await api("POST", `/v1/workflows/${name}/runs`)).body.run_id as string);

    const refused = await api("DELETE", `/v1/workflows/${name}`);
    expectError(refused, 409, "conflict");
    expect(refused.body.error.details).toEqual({ running_runs: runs });
    expect((await api("GET", `/v1/workflows/${name}`)).status).toBe(200);

    const forced = await api("DELETE", `/v1/workflows/${name}?force=true`);
    expect(forced.body).toEqual({ name, deleted: true, cancelled_runs: runs });
    expect(await count("SELECT COUNT(*) AS n FROM _runs WHERE workflow = ? AND status = 'cancelled'", name)).toBe(2);
    for (const runId of runs) expect((await api("GET", `/v1/runs/${runId}`)).body).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
  });
});
