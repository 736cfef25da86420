import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { INITIAL_VERSION, deploymentGuardRailsAt, readGuardRailsVersion } from "../../src/guard-rails/deployment-rules";
import { api, auditRowsFor, expectError, invalidPaths, newAgent, newRequestId } from "../helpers";
import { EMAIL, REJECT, agentWithKey, clearDeploymentRules, setDeploymentRules } from "./guard-helpers";

afterEach(clearDeploymentRules);

const NONE = {
  max_run_seconds: null,
  max_tasks_per_run: null,
  max_tokens_per_task: null,
  max_message_bytes: null,
  requests_per_minute: null,
  pii: null,
};

describe("PUT and GET /v1/guard-rails", () => {
  it("has no rule until an admin sets one, and then answers exactly what was set, to any caller", async () => {
    const reader = await newAgent("reader");
    const before = await api("GET", "/v1/guard-rails", { key: reader.key });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject(NONE);

    const requestId = newRequestId("grput");
    const rules = { max_tokens_per_task: 4000, requests_per_minute: 600, pii: { detect: ["email", "ssn"], mode: "redact" } };
    const put = await api("PUT", "/v1/guard-rails", { body: rules, headers: { "x-request-id": requestId } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...NONE, ...rules, updated_by: "admin" });
    expect(Date.parse(put.body.updated_at)).not.toBeNaN();
    const read = await api("GET", "/v1/guard-rails", { key: reader.key });
    expect(read.body).toEqual(put.body);
    expect((await auditRowsFor(requestId)).map((r) => [r.action, r.resource])).toEqual([["guard_rail:manage", "guard_rail:deployment"]]);

    // What GET answered goes back unchanged (its read-only fields are ignored); a rule left out is unset.
    expect((await api("PUT", "/v1/guard-rails", { body: read.body })).body).toMatchObject(rules);
    expect((await api("PUT", "/v1/guard-rails", { body: { max_tokens_per_task: 10 } })).body).toMatchObject({ ...NONE, max_tokens_per_task: 10 });
  });

  it("lets only admins set them (403 for agents and readers, recorded), and changes nothing then", async () => {
    const agent = await newAgent("agent");
    const reader = await newAgent("reader");
    for (const key of [agent.key, reader.key]) expectError(await api("PUT", "/v1/guard-rails", { key, body: REJECT }), 403, "forbidden");
    expect((await api("GET", "/v1/guard-rails")).body).toMatchObject(NONE);
    const { results } = await env.DB.prepare("SELECT action, resource FROM _policy_denials WHERE agent_id IN (?, ?)").bind(agent.agentId, reader.agentId).all();
    expect(results).toEqual([
      { action: "guard_rail:manage", resource: "guard_rail:deployment" },
      { action: "guard_rail:manage", resource: "guard_rail:deployment" },
    ]);
  });

  it("refuses a misspelt rule, an unknown PII kind or mode, and limits out of range, naming each field; nothing changes", async () => {
    expect(invalidPaths(await setDeploymentRules({ max_token_per_task: 4000 }))).toEqual(["max_token_per_task"]);
    expect(invalidPaths(await setDeploymentRules({ pii: { detect: ["email", "passport"], mode: "redact" } }))).toEqual(["pii.detect[1]"]);
    expect(invalidPaths(await setDeploymentRules({ pii: { detect: ["email"], mode: "mask" } }))).toEqual(["pii.mode"]);
    expect(invalidPaths(await setDeploymentRules({ pii: { detect: [], mode: "redact" } }))).toEqual(["pii.detect"]);
    expect(invalidPaths(await setDeploymentRules({ requests_per_minute: 0, max_run_seconds: 1.5, max_message_bytes: -1 })).sort()).toEqual(
      ["max_message_bytes", "max_run_seconds", "requests_per_minute"],
    );
    expect(invalidPaths(await api("PUT", "/v1/guard-rails", { raw: "[]" }))).toEqual(["(body)"]);
    expect((await api("GET", "/v1/guard-rails")).body).toMatchObject(NONE);
  });

  it("is seen by the very next request of every agent, in both directions", async () => {
    const agent = await agentWithKey("next");
    const store = () => api("POST", "/v1/memory", { key: agent.key, body: { agent_id: agent.agentId, content: `write to ${EMAIL}` } });
    expect((await store()).status).toBe(201);
    await setDeploymentRules(REJECT);
    expectError(await store(), 422, "guard_rail");
    await clearDeploymentRules();
    expect((await store()).status).toBe(201);
  });

  it("costs no read for the version the isolate holds: the rules come back as a value, not a promise", async () => {
    const db = database(env);
    await clearDeploymentRules();
    const version = await readGuardRailsVersion(db);
    expect(await deploymentGuardRailsAt(db, version)).toEqual({});
    const held = deploymentGuardRailsAt(db, version);
    expect(held).not.toBeInstanceOf(Promise);
    expect(held).toEqual({});
    expect(version).not.toBe(INITIAL_VERSION);
  });
});
