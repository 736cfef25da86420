import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId } from "../helpers";
import { ensureVersion } from "../workflows/workflow-helpers";
import { createTest, createTestYaml, getTest, pollAll, startRuns, startedTest, storedFor, testBody, testedAgent, workflowOf } from "./ab-helpers";
import { SEED_AB_TEST } from "../workflows/seed-blocks";


const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe("starting an A/B test", () => {
  it("accepts the seed's ab_test block verbatim as YAML, and GET shows the contract's full shape", async () => {
    await ensureVersion("revenue-analyst", "1.2.0");
    await ensureVersion("revenue-analyst", "1.3.0-beta");
    const requestId = newRequestId("seed-ab");
    const res = await createTestYaml(SEED_AB_TEST, { "x-request-id": requestId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const emptyArm = (version: string) => ({ version, assigned: 0, samples: 0, success_rate: null, avg_duration_ms: null, avg_token_usage: null, quality_score: null, rated: 0 });
    expect(res.body).toMatchObject({
      ab_test_id: expect.stringMatching(/^ab_[0-9a-z]{26}$/),
      agent: "revenue-analyst",
      versions: { a: "1.2.0", b: "1.3.0-beta" },
      traffic_split: { a: 80, b: 20 },
      duration_days: 14,
      min_samples: 100,
      sequential: true,
      auto_rollback: false,
      status: "running",
      started_at: expect.stringMatching(ISO_MILLIS),
      ended_at: null,
      arms: { a: emptyArm("1.2.0"), b: emptyArm("1.3.0-beta") },
      srm: { p_value: 1, ok: true },
      recommendation: "inconclusive",
    });
    expect(Date.parse(res.body.ends_at) - Date.parse(res.body.started_at)).toBe(14 * DAY);
    expect(Object.keys(res.body.metrics)).toEqual(["success_rate", "avg_duration_ms", "avg_token_usage", "quality_score"]);
    expect(res.body.metrics.success_rate).toEqual({ difference: null, relative_lift: null, p_value: null, confidence_interval: null, significant: false, method: "sequential_two_proportion" });
    expect(res.body.reason).toContain("waiting for 100 finished tasks per arm");
    expect(await getTest(res.body.ab_test_id)).toEqual(res.body);
    const audit = await auditRowsFor(requestId);
    expect(audit).toEqual([expect.objectContaining({ action: "ab:create", resource: `ab:${res.body.ab_test_id}`, status: "success" })]);
    // The seed's agent is shared by other files' tests: leave it without a running test.
    expect((await api("POST", `/v1/ab-tests/${res.body.ab_test_id}/stop`)).status).toBe(200);
  });

  it("accepts JSON, at the top level or under ab_test, with every optional field", async () => {
    const agent = await testedAgent();
    const res = await createTest({ ab_test: testBody(agent.agentId, { traffic_split: { a: 33.3, b: 66.7 }, metrics: ["quality_score"], duration_days: 0.5, min_samples: 20, sequential: false, auto_rollback: true }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ traffic_split: { a: 33.3, b: 66.7 }, duration_days: 0.5, min_samples: 20, sequential: false, auto_rollback: true });
    expect(Object.keys(res.body.metrics)).toEqual(["quality_score"]);
    expect(res.body.metrics.quality_score.method).toBe("two_proportion_z");
  });

  it("refuses versions that do not exist, a split not summing to 100, an unknown metric: 400 naming the field, nothing stored", async () => {
    const agent = await testedAgent();
    const missing = await createTest(testBody(agent.agentId, { versions: { a: "1.0.0", b: "9.9.9" } }));
    expect(invalidPaths(missing)).toEqual(["versions.b"]);
    expect(missing.body.error.message).toContain("no version 9.9.9");
    expect(invalidPaths(await createTest(testBody(agent.agentId, { versions: { a: "1.0.0", b: "not-semver" } })))).toEqual(["versions.b"]);
    expect(invalidPaths(await createTest(testBody(agent.agentId, { versions: { a: "1.0.0", b: "1.0.0" } })))).toEqual(["versions.b"]);
    expect(invalidPaths(await createTest(testBody("nobody-registered-this", {})))).toEqual(["agent"]);

    const split = await createTest(testBody(agent.agentId, { traffic_split: { a: 80, b: 30 } }));
    expect(invalidPaths(split)).toEqual(["traffic_split"]);
    expect(split.body.error.message).toContain("must sum to 100");
    expect(invalidPaths(await createTest(testBody(agent.agentId, { traffic_split: { a: 100, b: 0 } })))).toEqual(["traffic_split.a", "traffic_split.b"]);

    const metric = await createTest(testBody(agent.agentId, { metrics: ["success_rate", "latency_p99"] }));
    expect(invalidPaths(metric)).toEqual(["metrics[1]"]);
    expect(metric.body.error.details[0].message).toContain("one of success_rate, avg_duration_ms, avg_token_usage, quality_score");
    expect(invalidPaths(await createTest(testBody(agent.agentId, { metrics: [] })))).toEqual(["metrics"]);
    expect(invalidPaths(await createTest(testBody(agent.agentId, { metrics: ["success_rate", "success_rate"] })))).toEqual(["metrics[1]"]);
    expect(invalidPaths(await createTest(testBody(agent.agentId, { colour: "blue" })))).toEqual(["colour"]);
    expect(invalidPaths(await createTest(testBody(agent.agentId, { duration_days: 0 })))).toEqual(["duration_days"]);

    await api("POST", `/v1/agents/${agent.agentId}/versions/1.1.0/deprecate`);
    expect(invalidPaths(await createTest(testBody(agent.agentId)))).toEqual(["versions.b"]);
    expect(await storedFor(agent.agentId)).toEqual({ tests: 0, arms: 0, audit: 0 });
  });

  it("points at the line and column of a YAML mistake", async () => {
    const agent = await testedAgent();
    const yaml = `ab_test:\n  agent: ${agent.agentId}\n  versions: {a: "1.0.0", b: "1.1.0"}\n  traffic_split: {a: 80, b: 20}\n  metrics:\n    - success_rate\n    - happiness\n`;
    const res = await createTestYaml(yaml);
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: "ab_test.metrics[1]", line: 7, column: 7 })]);
    const unquoted = await createTestYaml(`agent: ${agent.agentId}\nversions: {a: 1.0, b: "1.1.0"}\ntraffic_split: {a: 80, b: 20}\nmetrics: [success_rate]\n`);
    expect(unquoted.body.error.details[0]).toMatchObject({ path: "versions.a", line: 2 });
    expect(unquoted.body.error.details[0].message).toContain("quote versions in YAML");
    expect(invalidPaths(await createTestYaml(`ab_test: {agent: x}\nextra: 1\n`))).toEqual(["extra"]);
    expectError(await api("POST", "/v1/ab-tests", { raw: "agent: x", headers: { "content-type": "text/plain" } }), 400, "invalid_request");
    expect(await storedFor(agent.agentId)).toEqual({ tests: 0, arms: 0, audit: 0 });
  });

  it("allows one running test per agent: a second is 409 and stores nothing, and of 20 racing creations one wins", async () => {
    const agent = await testedAgent();
    const first = await startedTest(testBody(agent.agentId));
    const second = await createTest(testBody(agent.agentId, { traffic_split: { a: 90, b: 10 } }));
    expectError(second, 409, "conflict");
    expect(second.body.error.details).toEqual({ ab_test_id: first });
    expect(await storedFor(agent.agentId)).toEqual({ tests: 1, arms: 2, audit: 1 });

    const racer = await testedAgent();
    const answers = await Promise.all(Array.from({ length: 20 }, () => createTest(testBody(racer.agentId))));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await storedFor(racer.agentId)).toEqual({ tests: 1, arms: 2, audit: 1 });
  });

  it("is an admin's to manage: an agent's creation is 403 and recorded; a reader reads tests but cannot stop them", async () => {
    const agent = await testedAgent();
    expectError(await createTest(testBody(agent.agentId), agent.key), 403, "forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'ab:manage'", agent.agentId)).toBe(1);
    expect(await storedFor(agent.agentId)).toEqual({ tests: 0, arms: 0, audit: 0 });
    const id = await startedTest(testBody(agent.agentId));
    const reader = await newAgent("reader");
    expect((await api("GET", `/v1/ab-tests/${id}`, { key: reader.key })).status).toBe(200);
    expect((await api("GET", `/v1/ab-tests?agent=${agent.agentId}`, { key: reader.key })).body.items.map((t: { ab_test_id: string }) => t.ab_test_id)).toEqual([id]);
    expectError(await api("POST", `/v1/ab-tests/${id}/stop`, { key: reader.key }), 403, "forbidden");
    expectError(await api("POST", `/v1/ab-tests/${id}/promote`, { key: agent.key }), 403, "forbidden");
    expectError(await api("GET", "/v1/ab-tests/ab_00000000000000000000000000"), 404, "not_found");
    expectError(await api("GET", "/v1/ab-tests/nope"), 400, "invalid_request");
  });
});

describe("ending an A/B test", () => {
  it("stops: later runs that resolve latest all go to a, and a second stop is 409", async () => {
    const agent = await testedAgent();
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId));
    const requestId = newRequestId("ab-stop");
    const stopped = await api("POST", `/v1/ab-tests/${id}/stop`, { body: { reason: "enough" }, headers: { "x-request-id": requestId } });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped", ended_at: expect.stringMatching(ISO_MILLIS), ended_by: "admin", end_reason: "enough" });
    expect((await auditRowsFor(requestId)).map((r) => r.action)).toContain("ab:stop");
    expectError(await api("POST", `/v1/ab-tests/${id}/stop`), 409, "conflict");
    expectError(await api("POST", `/v1/ab-tests/${id}/promote`), 409, "conflict");
    // 1.1.0 is the highest release, so `latest` would pick b: stopping promoted a.
    const catalog = await api("GET", `/v1/agents/${agent.agentId}/versions/resolve?ref=latest`);
    expect(catalog.body.version).toBe("1.0.0");
    expect((await auditRowsFor(requestId)).map((r) => r.action)).toEqual(expect.arrayContaining(["catalog:promote", "ab:stop"]));
    const runs = await startRuns(workflow, 20);
    expect(new Set(runs.map((r) => r.agents[agent.agentId]))).toEqual(new Set(["1.0.0"]));
    const tasks = await pollAll(agent);
    expect(tasks.every((t) => t.ab === undefined)).toBe(true);
    expect((await getTest(id)).arms.a.assigned + (await getTest(id)).arms.b.assigned).toBe(0);
  });

  it("leaves the catalog alone when latest already picks a (the seed's case: b is a pre-release)", async () => {
    const agent = await testedAgent("abpre", ["1.2.0", "1.3.0-beta"]);
    const id = await startedTest(testBody(agent.agentId, { versions: { a: "1.2.0", b: "1.3.0-beta" } }));
    const requestId = newRequestId("ab-stop-pre");
    expect((await api("POST", `/v1/ab-tests/${id}/stop`, { headers: { "x-request-id": requestId } })).status).toBe(200);
    expect((await auditRowsFor(requestId)).map((r) => r.action)).toEqual(["ab:stop"]);
    expect(await count("SELECT COUNT(*) AS n FROM _agent_versions WHERE agent_id = ? AND promoted = 1", agent.agentId)).toBe(0);
  });

  it("promotes b in the catalog and ends the test; later runs get b without an arm", async () => {
    const agent = await testedAgent("abpromo", ["1.2.0", "1.3.0-beta"]);
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId, { versions: { a: "1.2.0", b: "1.3.0-beta" } }));
    const requestId = newRequestId("ab-promote");
    const promoted = await api("POST", `/v1/ab-tests/${id}/promote`, { headers: { "x-request-id": requestId } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.status).toBe("promoted");
    expect((await api("GET", `/v1/agents/${agent.agentId}/versions/1.3.0-beta`)).body.promoted).toBe(true);
    expect((await auditRowsFor(requestId)).map((r) => r.action).sort()).toEqual(["ab:promote", "catalog:promote"]);
    const [run] = await startRuns(workflow, 1);
    expect(run!.agents[agent.agentId]).toBe("1.3.0-beta");
    // A new test may start once the last one has ended.
    expect((await createTest(testBody(agent.agentId, { versions: { a: "1.2.0", b: "1.3.0-beta" } }))).status).toBe(201);
  });

  it("completes after duration_days: read lazily on GET, or by the minute sweep, and routes later runs to a", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const lazy = await testedAgent();
    const swept = await testedAgent();
    const lazyId = await startedTest(testBody(lazy.agentId, { duration_days: 14 }));
    const sweptId = await startedTest(testBody(swept.agentId, { duration_days: 14 }));
    vi.advanceTimersByTime(14 * DAY - 60_000);
    expect((await getTest(lazyId)).status).toBe("running");
    vi.advanceTimersByTime(61_000);
    const read = await getTest(lazyId);
    expect(read).toMatchObject({ status: "completed", ended_by: "switchyard" });
    expect(read.end_reason).toContain("duration_days (14) elapsed");

    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await count("SELECT COUNT(*) AS n FROM _ab_tests WHERE ab_test_id = ? AND status = 'completed'", sweptId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'ab:complete' AND resource = ?", `ab:${sweptId}`)).toBe(1);
    const workflow = await workflowOf(swept.agentId);
    const runs = await startRuns(workflow, 5);
    expect(runs.map((r) => r.agents[swept.agentId])).toEqual(["1.0.0", "1.0.0", "1.0.0", "1.0.0", "1.0.0"]);
  });

  it("completes a test past its end when a run starts before anyone read it: that run goes to a, uncounted", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const agent = await testedAgent();
    const workflow = await workflowOf(agent.agentId);
    const id = await startedTest(testBody(agent.agentId, { duration_days: 1, traffic_split: { a: 1, b: 99 } }));
    vi.advanceTimersByTime(DAY + 1000);
    const [run] = await startRuns(workflow, 1);
    expect(run!.agents[agent.agentId]).toBe("1.0.0");
    const test = await getTest(id);
    expect(test.status).toBe("completed");
    expect(test.arms.a.assigned + test.arms.b.assigned).toBe(0);
  });
});

describe("A/B tests in SQL", () => {
  it("shows _ab_tests and _ab_test_arms read-only", async () => {
    const agent = await testedAgent();
    const id = await startedTest(testBody(agent.agentId));
    const reader = await newAgent("reader");
    const read = await api("POST", "/v1/query", {
      key: reader.key,
      body: { sql: "SELECT t.status, a.arm, a.version, a.assigned FROM _ab_tests t JOIN _ab_test_arms a USING (ab_test_id) WHERE t.ab_test_id = ? ORDER BY a.arm", params: [id] },
    });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.rows).toEqual([
      { status: "running", arm: "a", version: "1.0.0", assigned: 0 },
      { status: "running", arm: "b", version: "1.1.0", assigned: 0 },
    ]);
    const writer = await newAgent();
    expectError(await api("POST", "/v1/query", { key: writer.key, body: { sql: "UPDATE _ab_test_arms SET assigned = 0 WHERE ab_test_id = ?", params: [id] } }), 403, "forbidden");
    expectError(await api("POST", "/v1/query", { key: writer.key, body: { sql: "DELETE FROM _ab_tests WHERE ab_test_id = ?", params: [id] } }), 403, "forbidden");
    expectError(await api("POST", "/v1/query", { key: writer.key, body: { sql: "SELECT * FROM _ab_assignments" } }), 403, "forbidden");
  });
});

describe("A/B tests in the OpenAPI document", () => {
  it("documents every route, its path parameter, both body types and the contract's fields", async () => {
    const doc = (await api("GET", "/openapi.json", { key: null })).body;
    const routes: Record<string, string[]> = {
      "/v1/ab-tests": ["get", "post"],
      "/v1/ab-tests/{ab_test_id}": ["get"],
      "/v1/ab-tests/{ab_test_id}/stop": ["post"],
      "/v1/ab-tests/{ab_test_id}/promote": ["post"],
    };
    for (const [path, methods] of Object.entries(routes)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual(methods);
      for (const method of methods) {
        expect(doc.paths[path][method].summary, `${method} ${path}`).toBeTruthy();
        if (path.includes("{ab_test_id}")) expect(doc.paths[path][method].parameters).toContainEqual(expect.objectContaining({ name: "ab_test_id", in: "path", required: true }));
      }
    }
    const create = doc.paths["/v1/ab-tests"].post;
    expect(Object.keys(create.requestBody.content).sort()).toEqual(["application/json", "application/yaml"]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "403", "409"]));
    expect(doc.components.schemas.CreateAbTest.required.sort()).toEqual(["agent", "metrics", "traffic_split", "versions"]);
    expect(Object.keys(doc.components.schemas.AbTest.properties)).toEqual(expect.arrayContaining(["ab_test_id", "status", "started_at", "arms", "metrics", "srm", "recommendation", "reason"]));
    expect(Object.keys(doc.components.schemas.AbTestArm.properties).sort()).toEqual(
      ["assigned", "avg_duration_ms", "avg_token_usage", "quality_score", "rated", "samples", "success_rate", "version"],
    );
    expect(Object.keys(doc.components.schemas.AbMetricVerdict.properties).sort()).toEqual(["confidence_interval", "difference", "method", "p_value", "relative_lift", "significant"]);
  });
});
