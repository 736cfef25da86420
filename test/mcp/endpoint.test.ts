import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, auditRowsFor, count, expectError, newAgent, newRequestId } from "../helpers";
import { callTool, rpc, toolError, toolValue } from "./helpers";

describe("POST /mcp as HatiData's client calls it", () => {
  it("answers a bare tools/call (no initialize, no Accept) with a JSON array in result.content[0].text", async () => {
    const agent = await newAgent();
    await toolValue(agent.key, "store_memory", { content: "Customer segment 'enterprise' has 42% higher LTV than mid-market." });
    // Exactly what HatiData's async SDK sends: only Authorization: ApiKey and Content-Type.
    const res = await SELF.fetch("https://switchyard.test/mcp", {
      method: "POST",
      headers: { Authorization: `ApiKey ${agent.key}`, "Content-Type": "application/json" },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_memory","arguments":{"query":"Which customer segment has the highest lifetime value?","top_k":5}}}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const answer = (await res.json()) as { jsonrpc: string; id: number; result: { content: { type: string; text: string }[] } };
    expect(answer).toMatchObject({ jsonrpc: "2.0", id: 1 });
    const results = JSON.parse(answer.result.content[0]!.text);
    expect(Array.isArray(results)).toBe(true);
    expect(results[0]).toMatchObject({ memory_id: expect.stringMatching(/^mem_/), content: expect.stringContaining("enterprise"), score: expect.any(Number) });
  });

  it("serves the official handshake too: initialize, then tools/list, each request on its own", async () => {
    const agent = await newAgent();
    const init = await rpc(
      "initialize",
      { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } },
      { key: agent.key, headers: { accept: "application/json, text/event-stream" } },
    );
    expect(init.status).toBe(200);
    expect(init.body.result).toMatchObject({ protocolVersion: "2025-06-18", serverInfo: { name: "switchyard" }, capabilities: { tools: expect.any(Object) } });
    expect(init.body.result.instructions).toMatch(/Switchyard/);
    expect(init.headers.get("mcp-session-id")).toBeNull();
    const initialized = await rpc("notifications/initialized", undefined, { key: agent.key, raw: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
    expect(initialized.status).toBe(202);
  });

  it("carries the MCP request's id to the audit rows its tools write", async () => {
    const agent = await newAgent();
    const requestId = newRequestId("mcp");
    const res = await rpc("tools/call", { name: "store_memory", arguments: { content: "audited through MCP" } }, { key: agent.key, headers: { "x-request-id": requestId } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect((await auditRowsFor(requestId)).map((r) => [r.agent_id, r.action, r.status])).toEqual([[agent.agentId, "memory:write", "success"]]);
  });

  it("keeps concurrent callers apart: 30 agents storing at once each write into their own namespace", async () => {
    const agents = await Promise.all(Array.from({ length: 30 }, () => newAgent()));
    const stored = await Promise.all(agents.map((a, i) => toolValue(a.key, "store_memory", { content: `note ${i} of agent ${a.agentId}` })));
    stored.forEach((memory, i) => expect(memory).toMatchObject({ agent_id: agents[i]!.agentId, created_by: agents[i]!.agentId }));
  });

  it("lets exactly one of 25 racing compare-and-set writes win", async () => {
    const agent = await newAgent();
    await toolValue(agent.key, "set_agent_state", { key: "leader", value: "nobody" });
    const attempts = await Promise.all(Array.from({ length: 25 }, (_, i) => callTool(agent.key, "set_agent_state", { key: "leader", value: `candidate-${i}`, expected_version: 1 })));
    expect(attempts.filter((a) => !a.result.isError)).toHaveLength(1);
    expect(attempts.filter((a) => a.result.isError).every((a) => a.value.error.code === "conflict")).toBe(true);
    expect(await toolValue(agent.key, "get_agent_state", { key: "leader" })).toMatchObject({ version: 2 });
  });
});

describe("POST /mcp: authentication, policies and origins", () => {
  it("answers a bad or missing key with 401 and the contract's error JSON", async () => {
    for (const key of ["sy_not_a_key", null]) {
      const res = await rpc("tools/list", {}, { key });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: "unauthorized", message: expect.any(String) } });
    }
    const bearer = await rpc("tools/list", {}, { headers: { authorization: "Bearer sy_revoked_or_unknown" } });
    expectError(bearer, 401, "unauthorized");
  });

  it("turns a policy denial into an error result carrying the 403, and records it as REST does", async () => {
    const rogue = await newAgent();
    await api("POST", "/v1/policies", {
      body: { policy_id: `kb-writers-${rogue.agentId}`, effect: "deny", actions: ["memory:write"], resources: ["memory:mcp-guarded-kb"], principals: [rogue.agentId] },
    });
    const requestId = newRequestId("mcp-deny");
    const res = await rpc("tools/call", { name: "store_memory", arguments: { content: "sneaky", agent_id: "mcp-guarded-kb" } }, { key: rogue.key, headers: { "x-request-id": requestId } });
    expect(res.status).toBe(200);
    expect(res.body.result.isError).toBe(true);
    const error = JSON.parse(res.body.result.content[0].text).error;
    expect(error).toMatchObject({ code: "forbidden", details: { action: "memory:write", resource: "memory:mcp-guarded-kb", policy_id: `kb-writers-${rogue.agentId}` } });
    expect(await count("SELECT count(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = 'memory:mcp-guarded-kb'", rogue.agentId)).toBe(1);
    expect((await auditRowsFor(requestId)).map((r) => r.status)).toEqual(["denied"]);
    expect(await count("SELECT count(*) AS n FROM _memory WHERE agent_id = 'mcp-guarded-kb'")).toBe(0);
  });

  it("gives a reader exactly a reader's rights", async () => {
    const reader = await newAgent("reader");
    await toolError(reader.key, "store_memory", { content: "x" }, "forbidden");
    await toolError(reader.key, "query", { sql: "CREATE TABLE reader_made (x)" }, "forbidden");
    expect(await toolValue(reader.key, "read_query", { sql: "SELECT 1 AS one" })).toEqual([{ one: 1 }]);
  });

  it("lets the admin token use the tools as the admin", async () => {
    const stored = await toolValue(ADMIN, "store_memory", { content: "admin note", agent_id: "mcp-admin-notes" });
    expect(stored).toMatchObject({ agent_id: "mcp-admin-notes", created_by: "admin" });
  });

  it("refuses a browser origin other than the deployment's own with 403, before authentication", async () => {
    const agent = await newAgent();
    for (const origin of ["https://evil.example", "null", "http://switchyard.test"]) {
      const res = await rpc("tools/list", {}, { key: agent.key, headers: { origin } });
      expectError(res, 403, "forbidden");
    }
    const noKey = await rpc("tools/list", {}, { key: null, headers: { origin: "https://evil.example" } });
    expectError(noKey, 403, "forbidden");
    expect((await rpc("tools/list", {}, { key: agent.key, headers: { origin: "https://switchyard.test" } })).status).toBe(200);
  });

  it("answers GET and DELETE with 405: there is no stream or session to open or end", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await rpc("tools/list", {}, { method, headers: { accept: "text/event-stream" } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(res.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
    }
  });
});
