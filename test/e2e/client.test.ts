// The client without a server: a fake fetch answers, and records what the client sent.
import { describe, expect, it } from "vitest";
import { type FetchLike, Switchyard, SwitchyardError, paginate } from "../../clients/typescript/index.ts";

interface Sent {
  url: URL;
  method: string;
  headers: Headers;
  body: unknown;
}

/** JSON bodies as values; any other text (a workflow's YAML) as it was sent. */
function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type Answer = Response | Error | ((sent: Sent, signal: AbortSignal | undefined) => Response | Promise<Response>);

/** A fetch that gives the queued answers in order (the last one repeats) and records every request. */
function fakeFetch(...answers: Answer[]) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request: Sent = {
      url: new URL(input),
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? parsedBody(init.body) : undefined,
    };
    sent.push(request);
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)];
    if (answer === undefined) throw new Error("fakeFetch: no answer queued");
    if (answer instanceof Error) throw answer;
    if (typeof answer === "function") return answer(request, init.signal ?? undefined);
    return answer.clone();
  };
  return { fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const apiError = (status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, details } }, headers);

const agent = { agent_id: "writer", role: "agent", attributes: {}, description: null, created_at: "2026-11-21T10:30:00.000Z", updated_at: "2026-11-21T10:30:00.000Z" };

const clientWith = (fetch: FetchLike, options: { maxRetries?: number; timeoutMs?: number; baseUrl?: string } = {}) =>
  new Switchyard({ baseUrl: "https://sy.example.com", apiKey: "sy_test_key", fetch, ...options });

describe("requests", () => {
  it("sends the key as a bearer token and the body as JSON", async () => {
    const { fetch, sent } = fakeFetch(json(201, agent));
    await clientWith(fetch).agents.create({ agent_id: "writer", attributes: { team: "content" } });
    expect(sent[0]?.method).toBe("POST");
    expect(sent[0]?.url.href).toBe("https://sy.example.com/v1/agents");
    expect(sent[0]?.headers.get("authorization")).toBe("Bearer sy_test_key");
    expect(sent[0]?.headers.get("content-type")).toBe("application/json");
    expect(sent[0]?.body).toEqual({ agent_id: "writer", attributes: { team: "content" } });
  });

  it("keeps a base URL's path prefix and drops its trailing slash", async () => {
    const { fetch, sent } = fakeFetch(json(200, { agent_id: "a", role: "agent", attributes: {} }));
    await clientWith(fetch, { baseUrl: "https://gateway.example.com/switchyard/" }).whoami();
    expect(sent[0]?.url.href).toBe("https://gateway.example.com/switchyard/v1/whoami");
  });

  it("encodes every id as one path segment", async () => {
    const { fetch, sent } = fakeFetch(json(200, {}));
    const client = clientWith(fetch);
    await client.state.get("team/a b", "k?x#y%");
    await client.agents.keys.revoke("ns:agent.1", "key_1/../2");
    await client.memory.get("mem_ä");
    expect(sent.map((s) => s.url.pathname)).toEqual([
      "/v1/state/team%2Fa%20b/k%3Fx%23y%25",
      "/v1/agents/ns%3Aagent.1/keys/key_1%2F..%2F2",
      "/v1/memory/mem_%C3%A4",
    ]);
  });

  it("refuses '.', '..' and empty ids before sending anything", async () => {
    const { fetch, sent } = fakeFetch(json(200, {}));
    const client = clientWith(fetch);
    for (const id of [".", "..", ""]) {
      await expect(client.state.get(id, "key")).rejects.toMatchObject({ status: 0, code: "invalid_request" });
    }
    expect(sent).toHaveLength(0);
  });

  it("puts list options and a delete's expected version in the query string", async () => {
    const { fetch, sent } = fakeFetch(json(200, { items: [], next_cursor: null }));
    const client = clientWith(fetch);
    await client.memory.list({ agent_id: "shared-knowledge-base", limit: 10, memory_type: "fact" });
    await client.state.delete("writer", "draft", { expectedVersion: 3 });
    await client.state.list("writer");
    expect(sent.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      "GET /v1/memory?agent_id=shared-knowledge-base&limit=10&memory_type=fact",
      "DELETE /v1/state/writer/draft?expected_version=3",
      "GET /v1/state/writer",
    ]);
  });

  it("sends a compare-and-set as expected_version", async () => {
    const { fetch, sent } = fakeFetch(json(200, {}));
    await clientWith(fetch).state.set("writer", "draft", { words: 120 }, { expectedVersion: 0 });
    expect(sent[0]?.method).toBe("PUT");
    expect(sent[0]?.body).toEqual({ value: { words: 120 }, expected_version: 0 });
  });
});

describe("errors", () => {
  it("turns the contract's error JSON into a SwitchyardError", async () => {
    const details = { action: "state:write", resource: "state:researcher", policy_id: null };
    const { fetch } = fakeFetch(apiError(403, "forbidden", "'state:researcher' belongs to agent 'researcher'", details, { "x-request-id": "req_123" }));
    const error = await clientWith(fetch).state.set("researcher", "phase1_output", {}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "SwitchyardError",
      status: 403,
      code: "forbidden",
      message: "'state:researcher' belongs to agent 'researcher'",
      details,
      requestId: "req_123",
    });
  });

  it("describes a non-2xx answer without error JSON by its status", async () => {
    const { fetch } = fakeFetch(new Response("<html>Bad gateway</html>", { status: 502 }), new Response("", { status: 404 }));
    const client = clientWith(fetch);
    await expect(client.whoami()).rejects.toMatchObject({ status: 502, code: "http_502", message: expect.stringContaining("Bad gateway") });
    await expect(client.whoami()).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("reports a 2xx answer that is not JSON as invalid_response", async () => {
    const { fetch } = fakeFetch(new Response("OK", { status: 200 }));
    await expect(clientWith(fetch).whoami()).rejects.toMatchObject({ status: 200, code: "invalid_response" });
  });

  it("reports a request that got no answer as status 0, connection_error", async () => {
    const { fetch } = fakeFetch(new TypeError("fetch failed"));
    await expect(clientWith(fetch, { maxRetries: 0 }).whoami()).rejects.toMatchObject({ status: 0, code: "connection_error" });
  });

  it("gives up after timeoutMs with code timeout", async () => {
    const hang: Answer = (_sent, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    const { fetch } = fakeFetch(hang);
    await expect(clientWith(fetch, { maxRetries: 0, timeoutMs: 30 }).whoami()).rejects.toMatchObject({ status: 0, code: "timeout" });
  });

  it("stops at once, with the caller's reason, when the caller aborts", async () => {
    const hang: Answer = (_sent, signal) => new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    const { fetch, sent } = fakeFetch(hang);
    const controller = new AbortController();
    const call = clientWith(fetch).whoami({ signal: controller.signal });
    const reason = new Error("the user cancelled");
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(sent).toHaveLength(1);
  });
});

describe("retries", () => {
  it("retries a 503 and returns the answer that follows", async () => {
    const { fetch, sent } = fakeFetch(apiError(503, "unavailable", "embedding failed"), json(200, agent));
    expect(await clientWith(fetch).agents.get("writer")).toEqual(agent);
    expect(sent).toHaveLength(2);
  });

  it("asks again while the first request with the same Idempotency-Key is in progress (409 with Retry-After)", async () => {
    const { fetch, sent } = fakeFetch(
      apiError(409, "conflict", "still in progress", { reason: "idempotency_in_progress" }, { "retry-after": "0" }),
      json(201, agent),
    );
    expect(await clientWith(fetch).agents.create({ agent_id: "writer" })).toEqual(agent);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.headers.get("idempotency-key")).toBe(sent[0]!.headers.get("idempotency-key"));
  });

  it("waits as long as Retry-After says on a 429", async () => {
    const { fetch, sent } = fakeFetch(apiError(429, "rate_limited", "slow down", undefined, { "retry-after": "0" }), json(200, agent));
    expect(await clientWith(fetch).agents.get("writer")).toEqual(agent);
    expect(sent).toHaveLength(2);
  });

  it("gives up after maxRetries more attempts and throws the last answer", async () => {
    const { fetch, sent } = fakeFetch(apiError(429, "rate_limited", "slow down", undefined, { "retry-after": "0" }));
    await expect(clientWith(fetch, { maxRetries: 3 }).agents.get("writer")).rejects.toMatchObject({ status: 429, code: "rate_limited" });
    expect(sent).toHaveLength(4);
  });

  it("does not wait when the server asks for more than a minute", async () => {
    const { fetch, sent } = fakeFetch(apiError(429, "rate_limited", "try tomorrow", undefined, { "retry-after": "86400" }), json(200, agent));
    await expect(clientWith(fetch).agents.get("writer")).rejects.toMatchObject({ status: 429 });
    expect(sent).toHaveLength(1);
  });

  it("does not retry answers other than 429 and 503", async () => {
    for (const [status, code] of [[400, "invalid_request"], [409, "conflict"], [500, "internal"]] as const) {
      const { fetch, sent } = fakeFetch(apiError(status, code, "no"), json(200, agent));
      await expect(clientWith(fetch).agents.get("writer")).rejects.toMatchObject({ status, code });
      expect(sent).toHaveLength(1);
    }
  });

  it("retries a GET after a network error", async () => {
    const { fetch, sent } = fakeFetch(new TypeError("fetch failed"), json(200, agent));
    expect(await clientWith(fetch).agents.get("writer")).toEqual(agent);
    expect(sent).toHaveLength(2);
  });

  it("does not resend a compare-and-set or a delete whose answer was lost, as it may have landed", async () => {
    const lost = () => fakeFetch(new TypeError("socket hang up"), json(200, {}));
    const cas = lost();
    await expect(clientWith(cas.fetch).state.set("a", "k", 1, { expectedVersion: 1 })).rejects.toMatchObject({ code: "connection_error" });
    expect(cas.sent).toHaveLength(1);
    const del = lost();
    await expect(clientWith(del.fetch).state.delete("a", "k")).rejects.toMatchObject({ code: "connection_error" });
    expect(del.sent).toHaveLength(1);
    // A 503 is a refusal, not a lost answer: even these are sent again.
    const refused = fakeFetch(apiError(503, "unavailable", "busy", undefined, { "retry-after": "0" }), json(200, {}));
    await clientWith(refused.fetch).state.set("a", "k", 1, { expectedVersion: 1 });
    expect(refused.sent).toHaveLength(2);
  });
});

describe("idempotency keys", () => {
  it("sends one random Idempotency-Key per creating call, the same on each of its retries", async () => {
    const { fetch, sent } = fakeFetch(
      apiError(503, "unavailable", "busy", undefined, { "retry-after": "0" }),
      new TypeError("fetch failed"),
      json(201, agent),
    );
    const client = clientWith(fetch);
    await client.agents.create({ agent_id: "writer" });
    const keys = sent.map((s) => s.headers.get("idempotency-key"));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);

    await client.agents.create({ agent_id: "writer-2" });
    expect(sent[3]?.headers.get("idempotency-key")).not.toBe(keys[0]);
  });

  it("uses the caller's key when given, for every creating call", async () => {
    const { fetch, sent } = fakeFetch(json(201, {}));
    const client = clientWith(fetch);
    await client.agents.create({ agent_id: "writer" }, { idempotencyKey: "create-writer" });
    await client.agents.keys.create("writer", { idempotencyKey: "key-writer" });
    await client.memory.store({ agent_id: "shared-knowledge-base", content: "x" }, { idempotencyKey: "mem-1" });
    await client.memory.storeBatch([{ agent_id: "shared-knowledge-base", content: "y" }], { idempotencyKey: "batch-1" });
    expect(sent.map((s) => s.headers.get("idempotency-key"))).toEqual(["create-writer", "key-writer", "mem-1", "batch-1"]);
    expect(sent[3]?.body).toEqual({ memories: [{ agent_id: "shared-knowledge-base", content: "y" }] });
  });

  it("sends none on calls that create nothing", async () => {
    const { fetch, sent } = fakeFetch(json(200, { results: [] }));
    const client = clientWith(fetch);
    await client.memory.search({ agent_id: "shared-knowledge-base", query: "ltv" });
    await client.state.set("a", "k", 1);
    await client.agents.get("a");
    expect(sent.map((s) => s.headers.get("idempotency-key"))).toEqual([null, null, null]);
  });
});

describe("pagination", () => {
  const pages: Record<string, { items: { key: string }[]; next_cursor: string | null }> = {
    "": { items: [{ key: "a" }, { key: "b" }], next_cursor: "c1" },
    c1: { items: [{ key: "c" }, { key: "d" }], next_cursor: "c2" },
    c2: { items: [{ key: "e" }], next_cursor: null },
  };
  const paged = () => fakeFetch((sent) => json(200, pages[sent.url.searchParams.get("cursor") ?? ""]));

  it("walks every page with listAll, passing each next_cursor back", async () => {
    const { fetch, sent } = paged();
    const keys: string[] = [];
    for await (const summary of clientWith(fetch).state.listAll("writer", { limit: 2 })) keys.push(summary.key);
    expect(keys).toEqual(["a", "b", "c", "d", "e"]);
    expect(sent.map((s) => s.url.search)).toEqual(["?limit=2", "?limit=2&cursor=c1", "?limit=2&cursor=c2"]);
  });

  it("fetches a page only when the loop gets there", async () => {
    const { fetch, sent } = paged();
    for await (const summary of clientWith(fetch).state.listAll("writer")) {
      if (summary.key === "b") break;
    }
    expect(sent).toHaveLength(1);
  });

  it("paginates any list with paginate()", async () => {
    const { fetch } = paged();
    const client = clientWith(fetch);
    const keys: string[] = [];
    for await (const summary of paginate((cursor) => client.state.list("writer", { cursor }))) keys.push(summary.key);
    expect(keys).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("stops instead of looping when a server returns the same cursor again", async () => {
    const { fetch } = fakeFetch(json(200, { items: [{ key: "a" }], next_cursor: "same" }));
    const walk = async () => {
      for await (const _ of clientWith(fetch).state.listAll("writer"));
    };
    await expect(walk()).rejects.toThrow(/same cursor/);
  });

});

describe("construction", () => {
  it("refuses a missing key or a base URL that is not absolute http(s)", () => {
    expect(() => new Switchyard({ baseUrl: "https://sy.example.com", apiKey: "" })).toThrow(/apiKey/);
    expect(() => new Switchyard({ baseUrl: "localhost:8787", apiKey: "k" })).toThrow(/baseUrl/);
    expect(() => new Switchyard({ baseUrl: "/v1", apiKey: "k" })).toThrow(/baseUrl/);
    expect(() => new Switchyard({ baseUrl: "https://x", apiKey: "k", maxRetries: -1 })).toThrow(/maxRetries/);
  });
});

describe("policies", () => {
  const policy = {
    policy_id: "only/agent-a",
    description: null,
    effect: "deny",
    actions: ["memory:write"],
    resources: ["memory:shared-knowledge-base"],
    principals: null,
    condition: 'subject.agent_id != "agent-a"',
    created_by: "admin",
    created_at: "2026-11-21T10:30:00.000Z",
  };

  it("creates with an Idempotency-Key, and gets and deletes by an encoded policy_id", async () => {
    const { fetch, sent } = fakeFetch(json(201, policy), json(200, policy), json(200, { policy_id: policy.policy_id, deleted: true }));
    const client = clientWith(fetch);
    await client.policies.create({ effect: "deny", actions: ["memory:write"], resources: ["memory:shared-knowledge-base"] }, { idempotencyKey: "p-1" });
    expect(sent[0]).toMatchObject({ method: "POST", body: { effect: "deny", actions: ["memory:write"], resources: ["memory:shared-knowledge-base"] } });
    expect(sent[0]?.headers.get("idempotency-key")).toBe("p-1");
    expect(await client.policies.get(policy.policy_id)).toEqual(policy);
    expect(sent[1]?.url.pathname).toBe("/v1/policies/only%2Fagent-a");
    expect(await client.policies.delete(policy.policy_id)).toEqual({ policy_id: policy.policy_id, deleted: true });
    expect(sent[2]?.method).toBe("DELETE");
  });

  it("walks every page of policies with listAll()", async () => {
    const { fetch, sent } = fakeFetch(json(200, { items: [policy], next_cursor: "c1" }), json(200, { items: [{ ...policy, policy_id: "p2" }], next_cursor: null }));
    const ids: string[] = [];
    for await (const p of clientWith(fetch).policies.listAll({ limit: 1 })) ids.push(p.policy_id);
    expect(ids).toEqual([policy.policy_id, "p2"]);
    expect(sent[1]?.url.search).toBe("?limit=1&cursor=c1");
  });
});

describe("versions and workflows", () => {
  const version = {
    agent_id: "revenue-analyst",
    version: "1.3.0-beta+build.5",
    description: null,
    endpoint: null,
    config: {},
    input_schema: null,
    output_schema: null,
    tags: [],
    guard_rails: null,
    deprecated: false,
    deprecated_at: null,
    deprecation_reason: null,
    promoted: false,
    published_at: "2026-11-21T10:30:00.000Z",
    published_by: "revenue-analyst",
  };
  const workflow = {
    name: "q3/review",
    revision: 2,
    description: null,
    agents: [{ name: "executive-analyst", version: "latest" }],
    coordination: [],
    triggers: [],
    guard_rails: null,
    defaults: { task_timeout_seconds: 300, retries: 1 },
    schemas: {},
    created_by: "admin",
    created_at: "2026-11-21T10:30:00.000Z",
    updated_at: "2026-11-21T10:30:00.000Z",
    warnings: [],
  };

  it("publishes with an Idempotency-Key, and deprecates, promotes and resolves by encoded version", async () => {
    const { fetch, sent } = fakeFetch(json(201, version), json(200, version), json(200, version), json(200, { agent_id: "revenue-analyst", ref: "^1.2", version: "1.2.0", pinned: false, deprecated: false }));
    const client = clientWith(fetch);
    await client.versions.publish("revenue-analyst", { version: version.version, tags: ["beta"] });
    expect(sent[0]).toMatchObject({ method: "POST", body: { version: version.version, tags: ["beta"] } });
    expect(sent[0]?.url.pathname).toBe("/v1/agents/revenue-analyst/versions");
    expect(sent[0]?.headers.get("idempotency-key")).toBeTruthy();
    await client.versions.deprecate("revenue-analyst", version.version, { reason: "flaky" });
    expect(sent[1]).toMatchObject({ method: "POST", body: { reason: "flaky" } });
    expect(sent[1]?.url.pathname).toBe("/v1/agents/revenue-analyst/versions/1.3.0-beta%2Bbuild.5/deprecate");
    await client.versions.promote("revenue-analyst", "1.2.0");
    expect(sent[2]?.url.pathname).toBe("/v1/agents/revenue-analyst/versions/1.2.0/promote");
    expect((await client.versions.resolve("revenue-analyst", "^1.2")).version).toBe("1.2.0");
    expect(sent[3]?.url.search).toBe("?ref=%5E1.2");
  });

  it("puts a string as YAML and an object as JSON, to an encoded name", async () => {
    const { fetch, sent } = fakeFetch(json(201, workflow));
    const client = clientWith(fetch);
    const yaml = "coordination:\n  pattern: hierarchical\n";
    await client.workflows.put("q3/review", yaml);
    expect(sent[0]?.method).toBe("PUT");
    expect(sent[0]?.url.pathname).toBe("/v1/workflows/q3%2Freview");
    expect(sent[0]?.headers.get("content-type")).toBe("application/yaml");
    expect(sent[0]?.body).toBe(yaml);
    const document = { coordination: { pattern: "hierarchical" as const, supervisor: "boss", workers: [{ name: "w", task: "t" }] } };
    await client.workflows.put("q3/review", document);
    expect(sent[1]?.headers.get("content-type")).toBe("application/json");
    expect(sent[1]?.body).toEqual(document);
  });

  it("reads revisions, rolls back with an Idempotency-Key, and deletes with force", async () => {
    const { fetch, sent } = fakeFetch(
      json(200, workflow),
      json(200, { items: [{ name: "q3/review", revision: 2, content_hash: "h", rollback_of: null, warnings: [], created_by: "admin", created_at: workflow.created_at }], next_cursor: null }),
      json(201, { ...workflow, revision: 3 }),
      json(200, { name: "q3/review", deleted: true, cancelled_runs: [] }),
    );
    const client = clientWith(fetch);
    await client.workflows.get("q3/review", { revision: 1 });
    expect(sent[0]?.url.search).toBe("?revision=1");
    const revisions: number[] = [];
    for await (const r of client.workflows.allRevisions("q3/review")) revisions.push(r.revision);
    expect(revisions).toEqual([2]);
    expect((await client.workflows.rollback("q3/review", 1, { idempotencyKey: "rb-1" })).revision).toBe(3);
    expect(sent[2]).toMatchObject({ method: "POST", body: { revision: 1 } });
    expect(sent[2]?.headers.get("idempotency-key")).toBe("rb-1");
    await client.workflows.delete("q3/review", { force: true });
    expect(sent[3]?.url.search).toBe("?force=true");
  });

  it("hands a definition's 400 over with its located details", async () => {
    const details = [{ path: "coordination.workers[1].name", line: 6, column: 13, message: "is the supervisor" }];
    const { fetch } = fakeFetch(apiError(400, "invalid_request", "Invalid workflow definition", details));
    const failure = await clientWith(fetch).workflows.put("w", "x: 1\n").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SwitchyardError);
    expect(failure).toMatchObject({ status: 400, code: "invalid_request", details });
  });
});
