// An MCP client, the official TypeScript SDK's, against `npm run dev`: what Claude, Cursor or any agent
// framework does when it is pointed at https://<deployment>/mcp with a Switchyard key.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServer } from "./server.ts";

interface TextResult {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

async function connect(baseUrl: string, key: string, options: ConstructorParameters<typeof Client>[1] = {}) {
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  const client = new Client({ name: "switchyard-e2e", version: "1.0.0" }, options);
  await client.connect(transport);
  return client;
}

describe("MCP with the official TypeScript client against npm run dev", () => {
  const local = localServer();
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  /** A connected client of the agent; closed after the suite. */
  async function as(agentId: string, options?: ConstructorParameters<typeof Client>[1]) {
    const client = await connect(local.server.baseUrl, keys[agentId]!, options);
    clients.push(client);
    return client;
  }

  /** Calls a tool and answers `content[0].text`, parsed; a failure fails the test with the error result. */
  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    const result = (await client.callTool({ name, arguments: args })) as TextResult;
    if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
    return JSON.parse(result.content[0]!.text);
  }

  beforeAll(async () => {
    const admin = local.admin();
    for (const [agent_id, role] of [["agent-a", "agent"], ["agent-b", "agent"], ["rogue", "agent"], ["supervisor", "reader"]] as const) {
      await admin.agents.create({ agent_id, role });
      keys[agent_id] = (await admin.agents.keys.create(agent_id)).api_key;
    }
    await admin.policies.create({ policy_id: "only-agent-a-writes-kb", effect: "deny", actions: ["memory:write"], resources: ["memory:shared-knowledge-base"], condition: 'subject.agent_id != "agent-a"' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  });

  it("initializes and lists every tool with its schema and annotations", async () => {
    const client = await as("agent-a");
    expect(client.getProtocolEra()).toBe("legacy");
    expect(client.getServerVersion()).toMatchObject({ name: "switchyard" });
    expect(client.getInstructions()).toMatch(/Switchyard/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["store_memory", "search_memory", "query", "branch_merge", "inbox_poll", "verify_chain"]));
    expect(tools).toHaveLength(31);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.annotations?.readOnlyHint, tool.name).toEqual(expect.any(Boolean));
    }
  });

  it("calls every tool: HatiData's patterns end to end, and Switchyard's own", async () => {
    const a = await as("agent-a");
    const b = await as("agent-b");

    // Pattern 1: shared memory.
    const stored = await call(a, "store_memory", { agent_id: "shared-knowledge-base", content: "Customer segment 'enterprise' has 42% higher LTV than mid-market.", metadata: { topic: "customer-segments", confidence: 0.91 } });
    expect(stored).toMatchObject({ memory_id: expect.stringMatching(/^mem_/), agent_id: "shared-knowledge-base" });
    const found = await call(b, "search_memory", { agent_id: "shared-knowledge-base", query: "Which customer segment has the highest lifetime value?", top_k: 5 });
    expect(found[0]).toMatchObject({ memory_id: stored.memory_id, score: expect.any(Number) });
    const scratch = await call(a, "store_memory", { content: "scratch note" });
    expect(await call(a, "delete_memory", { memory_id: scratch.memory_id })).toEqual({ deleted: true, memory_id: scratch.memory_id });

    // Pattern 2: a trigger notifies agent-b's inbox.
    const trigger = await call(a, "register_trigger", { name: "segment-insights", concept: "customer segment lifetime value LTV churn analysis", threshold: 0.2, action_type: "agent_notify", action_config: { target_agent_id: "agent-b" } });
    expect(await call(a, "test_trigger", { trigger_id: trigger.trigger_id, content: "enterprise LTV by customer segment" })).toMatchObject({ matched: true, trigger_name: "segment-insights" });
    expect((await call(a, "list_triggers", { status: "active" })).map((t: { trigger_id: string }) => t.trigger_id)).toContain(trigger.trigger_id);
    await call(a, "store_memory", { agent_id: "shared-knowledge-base", content: "Churn analysis: customer segment LTV fell in the mid-market." });
    let notifications: { kind: string; trigger_id?: string; item_id: string }[] = [];
    for (let i = 0; i < 20 && notifications.length === 0; i++) notifications = await call(b, "inbox_poll", { lease_seconds: 60, wait_seconds: 2 });
    expect(notifications).toContainEqual(expect.objectContaining({ kind: "notification", trigger_id: trigger.trigger_id }));
    expect((await call(b, "inbox_ack", { item_ids: notifications.map((n) => n.item_id) })).unknown).toEqual([]);
    expect(await call(a, "delete_trigger", { trigger_id: trigger.trigger_id })).toEqual({ deleted: true, trigger_id: trigger.trigger_id });

    // Pattern 3: a branch, reviewed and merged; another discarded.
    const branch = await call(a, "branch_create", { name: "q1-forecast-experiment", description: "Test updated revenue forecast model" });
    expect(await call(a, "branch_write", { branch_id: branch.branch_id, table: "revenue_forecast", rows: [{ period: "2026-Q1", model: "v2", predicted_arr: 4200000 }] })).toEqual({ table: "revenue_forecast", written: 1 });
    expect(await call(b, "branch_query", { branch_id: branch.branch_id, sql: "SELECT * FROM revenue_forecast WHERE model = 'v2'" })).toEqual([{ period: "2026-Q1", model: "v2", predicted_arr: 4200000 }]);
    expect((await call(b, "branch_diff", { branch_id: branch.branch_id })).tables[0]).toMatchObject({ table: "revenue_forecast", created: true });
    expect((await call(b, "branch_list", { status: "open" })).map((x: { branch_id: string }) => x.branch_id)).toContain(branch.branch_id);
    expect(await call(a, "branch_merge", { branch_id: branch.branch_id, strategy: "branch_wins" })).toMatchObject({ branch_id: branch.branch_id, merged: true, status: "merged", conflicts: [] });
    const abandoned = await call(a, "branch_create", { name: "abandoned" });
    expect(await call(a, "branch_discard", { branch_id: abandoned.branch_id })).toMatchObject({ discarded: true, branch_id: abandoned.branch_id });

    // Pattern 4: a hand-off through state, and a message.
    expect(await call(a, "set_agent_state", { key: "phase1_output", value: { output_table: "revenue_forecast", anomalies_detected: 3 } })).toEqual({ key: "phase1_output", status: "ok", version: 1 });
    expect(await call(b, "get_agent_state", { agent_id: "agent-a", key: "phase1_output" })).toMatchObject({ key: "phase1_output", value: { output_table: "revenue_forecast", anomalies_detected: 3 } });
    expect(await call(a, "send_message", { to_agent_id: "agent-b", type: "handoff", body: { table: "revenue_forecast" } })).toMatchObject({ kind: "message", from_agent_id: "agent-a" });
    expect(await call(b, "inbox_poll", {})).toContainEqual(expect.objectContaining({ kind: "message", type: "handoff" }));

    // SQL over the merged data, read-only and not.
    expect(await call(b, "read_query", { sql: "SELECT period, predicted_arr FROM revenue_forecast" })).toEqual([{ period: "2026-Q1", predicted_arr: 4200000 }]);
    expect(await call(a, "query", { sql: "UPDATE revenue_forecast SET model = 'v2.1' WHERE period = '2026-Q1' RETURNING model" })).toEqual([{ model: "v2.1" }]);
    expect(await call(b, "list_tables")).toEqual(expect.arrayContaining(["revenue_forecast", "_hatidata_cot"]));
    expect((await call(b, "describe_table", { table_name: "revenue_forecast" })).map((c: { column_name: string }) => c.column_name)).toEqual(["period", "model", "predicted_arr"]);

    // Pattern 5's material: reasoning logged, replayed and verified.
    const step = await call(a, "log_reasoning_step", { session_id: "forecast-review", step_type: "observation", content: "v2 predicts higher ARR." });
    expect(step).toMatchObject({ trace_id: "forecast-review/0", session_id: "forecast-review", step_index: 0, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await call(a, "log_reasoning_step", { session_id: "forecast-review", step_type: "decision", content: "Merge the branch." });
    expect(await call(a, "replay_decision", { session_id: "forecast-review", verify_chain: true })).toMatchObject({ session_id: "forecast-review", step_count: 2, chain_valid: true });
    expect(await call(a, "verify_chain", { session_id: "forecast-review" })).toMatchObject({ chain_intact: true, entries_checked: 2 });
    expect(await call(a, "get_session_history", {})).toContainEqual(expect.objectContaining({ session_id: "forecast-review", steps: 2 }));

    // A workflow run through the run tools: agent-a hands its analysis to agent-b.
    const admin = local.admin();
    for (const agent of ["agent-a", "agent-b"]) await admin.versions.publish(agent, { version: "1.0.0" });
    await admin.workflows.put("mcp-handoff", "coordination:\n  pattern: message-passing\n  flow:\n    - {from: agent-a, to: agent-b}\n");
    const run = await call(a, "start_run", { workflow: "mcp-handoff", input: { quarter: "Q1" } });
    expect(run).toMatchObject({ status: "running", agents: { "agent-a": "1.0.0", "agent-b": "1.0.0" } });
    const [task] = (await call(a, "inbox_poll", {})) as { kind: string; task_id: string }[];
    expect(await call(a, "complete_task", { task_id: task!.task_id, output: { arr: 4200000 } })).toMatchObject({ status: "succeeded" });
    const [next] = (await call(b, "inbox_poll", {})) as { task_id: string; input: unknown }[];
    expect(next!.input).toEqual({ arr: 4200000 });
    await call(b, "complete_task", { task_id: next!.task_id, output: "reviewed" });
    expect(await call(b, "get_run", { run_id: run.run_id })).toMatchObject({ status: "succeeded", output: { "agent-b": "reviewed" } });

    // An event starts the workflow subscribed to it; the same event_id again starts nothing.
    await admin.workflows.put("mcp-forecast-review", "coordination:\n  pattern: event-driven\n  events: [{type: forecast.ready, filter: \"arr > 1000000\", agents: [agent-b]}]\n");
    const event = { type: "forecast.ready", source: "forecasting", event_id: "forecast-2026-Q1", data: { period: "2026-Q1", arr: 4200000 } };
    const published = await call(a, "publish_event", event);
    expect(published).toEqual({ event_id: "forecast-2026-Q1", duplicate: false, runs: [{ run_id: expect.stringMatching(/^run_/), workflow: "mcp-forecast-review" }] });
    expect(await call(a, "publish_event", event)).toEqual({ ...published, duplicate: true });
    const [review] = (await call(b, "inbox_poll", {})) as { kind: string; run_id: string; input: { data: unknown } }[];
    expect(review).toMatchObject({ kind: "task", run_id: published.runs[0].run_id, input: { data: event.data } });
  });

  it("reports a policy denial as an error result, which the supervisor finds through HatiData's table name", async () => {
    const rogue = await as("rogue");
    for (let i = 0; i < 11; i++) {
      const result = (await rogue.callTool({ name: "store_memory", arguments: { agent_id: "shared-knowledge-base", content: `Enterprise renewals are ${i}%.` } })) as TextResult;
      expect(result.isError).toBe(true);
      expect(JSON.parse(result.content[0]!.text).error).toMatchObject({ code: "forbidden", details: { policy_id: "only-agent-a-writes-kb" } });
    }
    const supervisor = await as("supervisor");
    const anomalies = await call(supervisor, "read_query", {
      sql: "SELECT agent_id, COUNT(*) AS denied_queries, MAX(denied_at) AS last_denial FROM _hatidata_policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id HAVING COUNT(*) > 10 ORDER BY denied_queries DESC;",
    });
    expect(anomalies).toEqual([{ agent_id: "rogue", denied_queries: 11, last_denial: expect.stringMatching(/Z$/) }]);
    expect(await call(supervisor, "read_query", { sql: "SELECT DISTINCT session_id FROM _hatidata_cot WHERE logged_at >= NOW() - INTERVAL '1 hour'" })).toEqual([{ session_id: "forecast-review" }]);
  });

  it("speaks the 2026-07-28 revision too, to a client that negotiates it", async () => {
    const modern = await as("agent-b", { versionNegotiation: { mode: "auto" } });
    expect(modern.getProtocolEra()).toBe("modern");
    expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    expect((await modern.listTools()).tools).toHaveLength(31);
    expect(await call(modern, "set_agent_state", { key: "modern_probe", value: { era: "2026-07-28" } })).toMatchObject({ status: "ok" });
    expect(await call(modern, "get_agent_state", { key: "modern_probe" })).toMatchObject({ value: { era: "2026-07-28" } });
    const denied = (await modern.callTool({ name: "store_memory", arguments: { agent_id: "shared-knowledge-base", content: "not mine to write" } })) as TextResult;
    expect(denied.isError).toBe(true);
  });

  it("refuses a bad key with 401", async () => {
    await expect(connect(local.server.baseUrl, "sy_not_a_real_key")).rejects.toThrow(/401|nauthori/);
  });
});
