import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/app";
import { count, newAgent } from "../helpers";
import { callTool, rpc } from "./helpers";

type Agent = Awaited<ReturnType<typeof newAgent>>;

/** Every answer to bad input: never a 5xx, and a JSON-RPC error or a tool error result. */
function expectRefused(res: { status: number; body: any }) {
  expect(res.status).toBeLessThan(500);
  const refused = res.body?.error !== undefined || res.body?.result?.isError === true;
  expect(refused, JSON.stringify(res.body).slice(0, 300)).toBe(true);
}

describe("POST /mcp with bad input", () => {
  let agent: Agent;
  const memories = () => count("SELECT count(*) AS n FROM _memory WHERE created_by = ?", agent.agentId);

  beforeAll(async () => {
    agent = await newAgent();
  });

  it("answers an unknown tool with a JSON-RPC error naming it", async () => {
    const res = await rpc("tools/call", { name: "drop_everything", arguments: {} }, { key: agent.key });
    expectRefused(res);
    expect(res.body.error).toMatchObject({ code: -32602, message: expect.stringContaining("drop_everything") });
  });

  it("answers a missing required argument, a wrong type and an unknown argument with an error result, and stores nothing", async () => {
    for (const args of [{}, { content: 42 }, { content: "ok", top_k: 3 }, { content: "ok", importance: 7 }, { content: "ok", agent_id: "../other" }, { content: "ok", memory_type: "rumour" }]) {
      const { result } = await callTool(agent.key, "store_memory", args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(result.content[0]!.text, JSON.stringify(args)).toMatch(/Input validation error/);
    }
    for (const [name, args] of [
      ["search_memory", { query: "x", top_k: 0 }],
      ["set_agent_state", { key: "k" }],
      ["branch_query", { branch_id: "not-a-branch", sql: "SELECT 1" }],
      ["register_trigger", { name: "n", concept: "c", action_type: "agent_notify" }],
      ["inbox_ack", { item_ids: [] }],
      ["list_tables", { verbose: true }],
    ] as const) {
      const { result } = await callTool(agent.key, name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
    }
    expect(await memories()).toBe(0);
  });

  it("answers REST's own refusals (content over 64 KiB) as the error result with the contract's error JSON", async () => {
    const { result, value } = await callTool(agent.key, "store_memory", { content: "x".repeat(70 * 1024) });
    expect(result.isError).toBe(true);
    expect(value.error).toMatchObject({ code: "invalid_request", details: [expect.objectContaining({ path: "content" })] });
    expect(await memories()).toBe(0);
  });

  it("answers arguments over the body limit with 413 and a JSON-RPC error, storing nothing", async () => {
    const res = await rpc("tools/call", { name: "set_agent_state", arguments: { key: "huge", value: "x".repeat(MAX_BODY_BYTES + 100 * 1024) } }, { key: agent.key });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32000, message: expect.stringMatching(/over/) } });
    const state = await rpc("tools/call", { name: "get_agent_state", arguments: { key: "huge" } }, { key: agent.key });
    expect(JSON.parse(state.body.result.content[0].text).error.code).toBe("not_found");
  });

  it("answers a state value just over REST's 1 MiB (but inside the MCP body limit) with REST's 413 as an error result", async () => {
    const { result, value } = await callTool(agent.key, "set_agent_state", { key: "big", value: "x".repeat(1024 * 1024 + 10) });
    expect(result.isError).toBe(true);
    expect(value.error.code).toBe("payload_too_large");
  });

  it("answers malformed JSON, a JSON-RPC message of the wrong shape, deep nesting and a wrong Content-Type with a 4xx JSON-RPC error", async () => {
    const cases: [string, Record<string, string>?][] = [
      ['{"jsonrpc":"2.0","id":1,"method":"tools/call",'],
      ["[]"],
      ['{"jsonrpc":"1.0","id":1,"method":"tools/list"}'],
      ['{"id":1,"method":"tools/call","params":"store_memory"}'],
      [`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"store_memory","arguments":{"content":"x","metadata":${"[".repeat(5000)}${"]".repeat(5000)}}}}`],
      ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { "content-type": "text/plain" }],
      [""],
    ];
    for (const [raw, headers] of cases) {
      const res = await rpc("", undefined, { key: agent.key, raw, headers });
      expect(res.status, raw.slice(0, 60)).toBeGreaterThanOrEqual(400);
      expectRefused(res);
    }
    expect(await memories()).toBe(0);
  });

  it("never lets an id argument reach another route: . and .. are refused", async () => {
    for (const [name, args] of [
      ["delete_memory", { memory_id: ".." }],
      ["delete_trigger", { trigger_id: "." }],
      ["describe_table", { table_name: ".." }],
    ] as const) {
      const { result, value } = await callTool(agent.key, name, args);
      expect(result.isError, name).toBe(true);
      expect(value.error.code, name).toBe("invalid_request");
    }
  });

  it("answers a tools/call whose arguments are not an object with an error", async () => {
    const res = await rpc("tools/call", { name: "store_memory", arguments: ["content"] }, { key: agent.key });
    expectRefused(res);
  });
});
