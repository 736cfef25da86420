import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { UnresolvedReferencesError, checkReferences, resolveReferences } from "../../src/catalog/resolve";
import { database } from "../../src/db/client";
import { useResolverForTests } from "../../src/triggers/webhooks/resolver";
import { type ApiResponse, ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, uniqueId } from "../helpers";

const publish = (key: string | undefined, agentId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api("POST", `/v1/agents/${agentId}/versions`, { key, body, headers });

async function published(key: string, agentId: string, version: string, extra: Record<string, unknown> = {}) {
  const res = await publish(key, agentId, { version, ...extra });
  if (res.status !== 201) throw new Error(`publish ${agentId}@${version}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const versionsOf = (agentId: string) => count("SELECT COUNT(*) AS n FROM _agent_versions WHERE agent_id = ?", agentId);
const resolve = (key: string, agentId: string, ref: string) => api("GET", `/v1/agents/${agentId}/versions/resolve?ref=${encodeURIComponent(ref)}`, { key });

describe("publishing a version", () => {
  it("answers 201 with the contract's fields, and GET shows the same", async () => {
    const a = await newAgent();
    const requestId = newRequestId("publish");
    const res = await publish(
      a.key,
      a.agentId,
      {
        version: "1.2.0",
        description: "Quarterly revenue by region",
        config: { model: "large", temperature: 0.2 },
        input_schema: { type: "object", required: ["quarter"], properties: { quarter: { type: "string" } } },
        output_schema: { type: "object" },
        tags: ["finance"],
        guard_rails: { max_tokens_per_task: 4000 },
      },
      { "x-request-id": requestId },
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      agent_id: a.agentId,
      version: "1.2.0",
      description: "Quarterly revenue by region",
      endpoint: null,
      config: { model: "large", temperature: 0.2 },
      input_schema: { type: "object", required: ["quarter"], properties: { quarter: { type: "string" } } },
      output_schema: { type: "object" },
      tags: ["finance"],
      guard_rails: { max_tokens_per_task: 4000 },
      deprecated: false,
      deprecated_at: null,
      deprecation_reason: null,
      promoted: false,
      published_at: expect.stringMatching(ISO_MILLIS),
      published_by: a.agentId,
    });
    expect((await api("GET", `/v1/agents/${a.agentId}/versions/1.2.0`, { key: a.key })).body).toEqual(res.body);
    const audit = await auditRowsFor(requestId);
    expect(audit).toEqual([expect.objectContaining({ agent_id: a.agentId, action: "catalog:publish", resource: `catalog:${a.agentId}`, status: "success" })]);
    expect(JSON.parse(audit[0]!.details!)).toEqual({ version: "1.2.0" });
  });

  it("defaults what is not given", async () => {
    const a = await newAgent();
    expect(await published(a.key, a.agentId, "0.1.0")).toMatchObject({ description: null, endpoint: null, config: {}, input_schema: null, output_schema: null, tags: [], guard_rails: null });
  });

  it("refuses to publish a version again (409): published versions are immutable", async () => {
    const a = await newAgent();
    await published(a.key, a.agentId, "1.0.0", { description: "first" });
    for (const again of ["1.0.0", "1.0.0+build.2"]) {
      const res = await publish(a.key, a.agentId, { version: again, description: "second" });
      expectError(res, 409, "conflict");
      expect(res.body.error.message).toMatch(/immutable/);
    }
    expect(await versionsOf(a.agentId)).toBe(1);
    expect((await api("GET", `/v1/agents/${a.agentId}/versions/1.0.0`, { key: a.key })).body.description).toBe("first");
  });

  it("refuses a version that is not semver 2.0 with 400, storing nothing", async () => {
    const a = await newAgent();
    for (const version of ["1.2", "v1.2.0", "1.2.0.0", "01.2.0", "latest", "", "1.2.0-"]) {
      expect(invalidPaths(await publish(a.key, a.agentId, { version })), version).toEqual(["version"]);
    }
    expect(await versionsOf(a.agentId)).toBe(0);
  });

  it("of 20 concurrent publishes of the same version, exactly one is 201", async () => {
    const a = await newAgent();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(a.key, a.agentId, { version: "3.0.0", description: `attempt ${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) expectError(r, 409, "conflict");
    expect(await versionsOf(a.agentId)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'catalog:publish' AND resource = ?", `catalog:${a.agentId}`)).toBe(1);
  });

  it("refuses schemas that are not JSON Schemas, naming where, storing nothing", async () => {
    const a = await newAgent();
    const res = await publish(a.key, a.agentId, {
      version: "1.0.0",
      input_schema: { type: "objekt" },
      output_schema: { properties: { n: { maxLength: -2 } } },
    });
    expect(invalidPaths(res)).toEqual(["input_schema.type", "output_schema.properties.n.maxLength"]);
    expect(await versionsOf(a.agentId)).toBe(0);
  });

  describe("endpoint", () => {
    afterEach(() => useResolverForTests(undefined));

    it("must be https to a public address", async () => {
      const a = await newAgent();
      useResolverForTests({ resolve: async (name) => ({ "agents.example.com": ["93.184.216.34"], "internal.example.com": ["10.0.0.8"] })[name] ?? [] });
      for (const endpoint of ["http://93.184.216.34/agent", "https://10.1.2.3/agent", "https://localhost/agent", "https://internal.example.com/x", "ftp://agents.example.com/"])
        expect(invalidPaths(await publish(a.key, a.agentId, { version: "1.0.0", endpoint })), endpoint).toEqual(["endpoint"]);
      expect(await versionsOf(a.agentId)).toBe(0);
      expect((await published(a.key, a.agentId, "1.0.0", { endpoint: "https://agents.example.com/revenue" })).endpoint).toBe("https://agents.example.com/revenue");
    });
  });

  it("answers a retry with the same Idempotency-Key with the first response, creating nothing", async () => {
    const a = await newAgent();
    const headers = { "idempotency-key": newRequestId("idem") };
    const first = await publish(a.key, a.agentId, { version: "1.0.0" }, headers);
    const retry = await publish(a.key, a.agentId, { version: "1.0.0" }, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("is the agent's own, or an admin's: another agent and a reader get 403 and a denial", async () => {
    const [owner, other, reader, admin] = await Promise.all([newAgent(), newAgent(), newAgent("reader"), newAgent("admin")]);
    for (const caller of [other, reader]) {
      const requestId = newRequestId("publish-denied");
      const res = await publish(caller.key, owner.agentId, { version: "1.0.0" }, { "x-request-id": requestId });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details).toMatchObject({ action: "catalog:publish", resource: `catalog:${owner.agentId}` });
      expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'catalog:publish'", caller.agentId)).toBe(1);
    }
    expect(await versionsOf(owner.agentId)).toBe(0);
    expect((await publish(admin.key, owner.agentId, { version: "1.0.0" })).status).toBe(201);
    expect((await publish(undefined, owner.agentId, { version: "1.1.0" })).status).toBe(201);
  });

  it("needs the agent to exist (404)", async () => {
    expectError(await publish(undefined, uniqueId("ghost"), { version: "1.0.0" }), 404, "not_found");
  });
});

describe("listing and reading versions", () => {
  it("lists in semver order, highest first, in pages", async () => {
    const a = await newAgent();
    for (const version of ["1.0.0", "1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.0", "2.0.0-alpha"]) await published(a.key, a.agentId, version);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api("GET", `/v1/agents/${a.agentId}/versions?limit=4${cursor ? `&cursor=${cursor}` : ""}`, { key: a.key });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((v: { version: string }) => v.version));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["2.0.0-alpha", "1.10.0", "1.2.0", "1.2.0-rc.1", "1.0.0", "0.9.0"]);
  });

  it("lets readers read, and answers 404 for an unknown agent or version", async () => {
    const [a, reader] = await Promise.all([newAgent(), newAgent("reader")]);
    await published(a.key, a.agentId, "1.0.0");
    expect((await api("GET", `/v1/agents/${a.agentId}/versions`, { key: reader.key })).body.items).toHaveLength(1);
    expectError(await api("GET", `/v1/agents/${a.agentId}/versions/2.0.0`, { key: reader.key }), 404, "not_found");
    expectError(await api("GET", `/v1/agents/${uniqueId("ghost")}/versions`, { key: reader.key }), 404, "not_found");
    expect(invalidPaths(await api("GET", `/v1/agents/${a.agentId}/versions/not-semver`, { key: reader.key }))).toEqual(["version"]);
  });

  it("shows `_agent_versions` to SQL, read-only", async () => {
    const [a, reader] = await Promise.all([newAgent(), newAgent("reader")]);
    await published(a.key, a.agentId, "1.0.0");
    const read = await api("POST", "/v1/query", { key: reader.key, body: { sql: "SELECT version, deprecated FROM _agent_versions WHERE agent_id = ?", params: [a.agentId] } });
    expect(read.body.rows).toEqual([{ version: "1.0.0", deprecated: 0 }]);
    const write = await api("POST", "/v1/query", { key: a.key, body: { sql: "UPDATE _agent_versions SET deprecated = 1 WHERE agent_id = ?", params: [a.agentId] } });
    expectError(write, 403, "forbidden");
  });
});

describe("latest, ranges, deprecation and promotion", () => {
  it("resolves `latest` to the highest release, skipping pre-releases, then to the promoted version", async () => {
    const a = await newAgent();
    for (const version of ["1.0.0", "1.2.0", "1.3.0-beta"]) await published(a.key, a.agentId, version);
    expect((await resolve(a.key, a.agentId, "latest")).body).toEqual({ agent_id: a.agentId, ref: "latest", version: "1.2.0", pinned: false, deprecated: false });
    const promoted = await api("POST", `/v1/agents/${a.agentId}/versions/1.3.0-beta/promote`, { key: a.key });
    expect(promoted.status).toBe(200);
    expect(promoted.body.promoted).toBe(true);
    expect((await resolve(a.key, a.agentId, "latest")).body.version).toBe("1.3.0-beta");
    // Promoting another moves `latest`; one version is promoted at a time.
    await api("POST", `/v1/agents/${a.agentId}/versions/1.0.0/promote`, { key: a.key });
    expect((await resolve(a.key, a.agentId, "latest")).body.version).toBe("1.0.0");
    expect(await count("SELECT COUNT(*) AS n FROM _agent_versions WHERE agent_id = ? AND promoted = 1", a.agentId)).toBe(1);
  });

  it("deprecates: ranges and latest skip the version, an exact reference still finds it, marked", async () => {
    const a = await newAgent();
    for (const version of ["1.0.0", "1.2.0", "1.2.5"]) await published(a.key, a.agentId, version);
    await api("POST", `/v1/agents/${a.agentId}/versions/1.2.5/promote`, { key: a.key });
    const requestId = newRequestId("deprecate");
    const res = await api("POST", `/v1/agents/${a.agentId}/versions/1.2.5/deprecate`, { key: a.key, body: { reason: "leaks PII" }, headers: { "x-request-id": requestId } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deprecated: true, deprecated_at: expect.stringMatching(ISO_MILLIS), deprecation_reason: "leaks PII" });
    expect((await auditRowsFor(requestId)).map((r) => r.action)).toEqual(["catalog:deprecate"]);
    expect((await resolve(a.key, a.agentId, "latest")).body.version).toBe("1.2.0");
    expect((await resolve(a.key, a.agentId, "^1.2")).body.version).toBe("1.2.0");
    expect((await resolve(a.key, a.agentId, "1.2.5")).body).toMatchObject({ version: "1.2.5", pinned: true, deprecated: true });
    // Again: unchanged, not audited twice; a deprecated version cannot be promoted.
    const again = await api("POST", `/v1/agents/${a.agentId}/versions/1.2.5/deprecate`, { key: a.key });
    expect(again.body.deprecated_at).toBe(res.body.deprecated_at);
    expect(await count("SELECT COUNT(*) AS n FROM _audit_log WHERE action = 'catalog:deprecate' AND resource = ?", `catalog:${a.agentId}`)).toBe(1);
    expectError(await api("POST", `/v1/agents/${a.agentId}/versions/1.2.5/promote`, { key: a.key }), 409, "conflict");
  });

  it("answers 400 for a reference that is none, 404 when nothing matches", async () => {
    const a = await newAgent();
    await published(a.key, a.agentId, "1.0.0");
    expect(invalidPaths(await resolve(a.key, a.agentId, "newest"))).toEqual(["ref"]);
    expect(invalidPaths(await api("GET", `/v1/agents/${a.agentId}/versions/resolve`, { key: a.key }))).toEqual(["ref"]);
    expectError(await resolve(a.key, a.agentId, "^2"), 404, "not_found");
  });

  it("lets an admin, not another agent, deprecate or promote an agent's versions", async () => {
    const [owner, other, admin] = await Promise.all([newAgent(), newAgent(), newAgent("admin")]);
    await published(owner.key, owner.agentId, "1.0.0");
    for (const action of ["deprecate", "promote"]) {
      const res = await api("POST", `/v1/agents/${owner.agentId}/versions/1.0.0/${action}`, { key: other.key });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details.action).toBe("catalog:manage");
    }
    expect((await api("POST", `/v1/agents/${owner.agentId}/versions/1.0.0/promote`, { key: admin.key })).status).toBe(200);
    expect((await api("POST", `/v1/agents/${owner.agentId}/versions/1.0.0/deprecate`, { key: admin.key })).status).toBe(200);
  });
});

describe("resolving a workflow's references (the run engine's interface)", () => {
  it("resolves every agent in one go; a deprecated pin is served to runs but refused for new definitions", async () => {
    const [a, b] = await Promise.all([newAgent(), newAgent()]);
    await published(a.key, a.agentId, "1.0.0", { endpoint: null, config: { k: 1 }, output_schema: { type: "object" } });
    await published(a.key, a.agentId, "1.1.0");
    await published(b.key, b.agentId, "2.0.0");
    await api("POST", `/v1/agents/${a.agentId}/versions/1.0.0/deprecate`, { key: a.key });
    const refs = [
      { name: a.agentId, version: "1.0.0" },
      { name: b.agentId, version: "latest" },
    ];
    const db = database(env);
    const resolved = await resolveReferences(db, refs);
    expect(resolved.get(a.agentId)).toEqual({
      agent_id: a.agentId,
      version: "1.0.0",
      endpoint: null,
      config: { k: 1 },
      input_schema: null,
      output_schema: { type: "object" },
      guard_rails: null,
      deprecated: true,
    });
    expect(resolved.get(b.agentId)).toMatchObject({ version: "2.0.0", deprecated: false });

    const checked = await checkReferences(db, refs);
    expect(checked.issues).toEqual([{ name: a.agentId, ref: "1.0.0", message: expect.stringMatching(/deprecated/) }]);
    expect(checked.resolved.get(b.agentId)).toMatchObject({ version: "2.0.0", pinned: false });
  });

  it("names unknown agents and unresolvable references", async () => {
    const a = await newAgent();
    await published(a.key, a.agentId, "1.0.0");
    const ghost = uniqueId("ghost");
    const db = database(env);
    const { issues } = await checkReferences(db, [
      { name: ghost, version: "latest" },
      { name: a.agentId, version: "^2" },
    ]);
    expect(issues.map((i) => i.name)).toEqual([ghost, a.agentId]);
    expect(issues[0]!.message).toMatch(/not registered/);
    await expect(resolveReferences(db, [{ name: ghost, version: "latest" }])).rejects.toBeInstanceOf(UnresolvedReferencesError);
  });
});
