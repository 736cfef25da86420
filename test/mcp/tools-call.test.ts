import { beforeAll, describe, expect, it } from "vitest";
import { ISO_MILLIS, api, newAgent, uniqueId } from "../helpers";
import { callTool, toolError, toolValue } from "./helpers";

type Agent = Awaited<ReturnType<typeof newAgent>>;

describe("memory tools", () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await newAgent();
  });

  it("store_memory stores in the caller's own namespace by default, and in the one agent_id names", async () => {
    const own = await toolValue(agent.key, "store_memory", { content: "Enterprise customers renew at 94%.", metadata: { topic: "renewals" }, importance: 0.8 });
    expect(own).toMatchObject({ memory_id: expect.stringMatching(/^mem_/), agent_id: agent.agentId, content: "Enterprise customers renew at 94%.", importance: 0.8, memory_type: "fact" });
    expect(own.created_at).toMatch(ISO_MILLIS);
    const shared = await toolValue(agent.key, "store_memory", { content: "Mid-market churn peaks in Q3.", agent_id: "mcp-shared-kb", memory_type: "observation" });
    expect(shared).toMatchObject({ agent_id: "mcp-shared-kb", memory_type: "observation" });
    // What the tool stored is what REST reads back.
    const read = await api("GET", `/v1/memory/${shared.memory_id}`, { key: agent.key });
    expect(read.body).toMatchObject({ memory_id: shared.memory_id, content: "Mid-market churn peaks in Q3.", created_by: agent.agentId });
  });

  it("search_memory answers a JSON array of {memory_id, content, score, ...} best first, and {items} as structured content", async () => {
    await toolValue(agent.key, "store_memory", { content: "Quarterly revenue grew 18% from enterprise expansion.", agent_id: "mcp-search-kb" });
    await toolValue(agent.key, "store_memory", { content: "The office plants need water on Fridays.", agent_id: "mcp-search-kb" });
    const { result, value } = await callTool(agent.key, "search_memory", { query: "What drove revenue growth?", agent_id: "mcp-search-kb", top_k: 5 });
    expect(Array.isArray(value)).toBe(true);
    expect(value[0]).toMatchObject({ memory_id: expect.stringMatching(/^mem_/), content: "Quarterly revenue grew 18% from enterprise expansion.", score: expect.any(Number) });
    expect(value.map((r: { score: number }) => r.score)).toEqual([...value.map((r: { score: number }) => r.score)].sort((a, b) => b - a));
    expect(result.structuredContent).toEqual({ items: value });
    const filtered = await toolValue(agent.key, "search_memory", { query: "revenue", agent_id: "mcp-search-kb", memory_type: "episode" });
    expect(filtered).toEqual([]);
  });

  it("delete_memory answers {deleted, memory_id}, and the memory is gone", async () => {
    const stored = await toolValue(agent.key, "store_memory", { content: "A fact to forget." });
    expect(await toolValue(agent.key, "delete_memory", { memory_id: stored.memory_id })).toEqual({ deleted: true, memory_id: stored.memory_id });
    expect((await api("GET", `/v1/memory/${stored.memory_id}`, { key: agent.key })).status).toBe(404);
    await toolError(agent.key, "delete_memory", { memory_id: stored.memory_id }, "not_found");
  });
});

describe("state tools", () => {
  it("set_agent_state answers {key, status: ok, version}; get_agent_state {key, value} of anyone's state", async () => {
    const a = await newAgent();
    const b = await newAgent();
    const value = { processed_records: 15420, output_table: "cleaned_transactions_2026_q1" };
    expect(await toolValue(a.key, "set_agent_state", { key: "phase1_output", value })).toEqual({ key: "phase1_output", status: "ok", version: 1 });
    expect(await toolValue(a.key, "set_agent_state", { key: "phase1_output", value: { ...value, done: true } })).toMatchObject({ version: 2 });
    expect(await toolValue(a.key, "get_agent_state", { key: "phase1_output" })).toMatchObject({ key: "phase1_output", value: { ...value, done: true }, version: 2 });
    // The successor reads the predecessor's state by its id.
    expect(await toolValue(b.key, "get_agent_state", { key: "phase1_output", agent_id: a.agentId })).toMatchObject({ key: "phase1_output", agent_id: a.agentId });
    await toolError(b.key, "get_agent_state", { key: "never_set" }, "not_found");
    await toolError(a.key, "set_agent_state", { key: "phase1_output", value: 1, expected_version: 1 }, "conflict");
  });
});

describe("chain-of-thought tools", () => {
  it("log_reasoning_step answers {trace_id, session_id, step_index, hash}; replay_decision and verify_chain read the chain back", async () => {
    const agent = await newAgent();
    const session = uniqueId("loan-review");
    const first = await toolValue(agent.key, "log_reasoning_step", { session_id: session, content: "Received the application." });
    expect(first).toMatchObject({ trace_id: `${session}/0`, session_id: session, step_index: 0, hash: expect.stringMatching(/^[0-9a-f]{64}$/), prev_hash: "0".repeat(64) });
    const second = await toolValue(agent.key, "log_reasoning_step", { session_id: session, step_type: "decision", content: "Approve.", importance: 0.9, metadata: { amount: 5000 } });
    expect(second).toMatchObject({ step_index: 1, prev_hash: first.hash });

    const replay = await toolValue(agent.key, "replay_decision", { session_id: session });
    expect(replay).toMatchObject({ session_id: session, step_count: 2, chain_valid: true, truncated: false });
    expect(replay.steps.map((s: { step_type: string; content: string }) => [s.step_type, s.content])).toEqual([
      ["observation", "Received the application."],
      ["decision", "Approve."],
    ]);
    expect((await toolValue(agent.key, "replay_decision", { session_id: session, verify_chain: false })).chain_valid).toBeNull();
    expect(await toolValue(agent.key, "verify_chain", { session_id: session })).toMatchObject({ session_id: session, chain_intact: true, entries_checked: 2, broken_links: [] });

    const history = await callTool(agent.key, "get_session_history", {});
    expect(history.value).toEqual([expect.objectContaining({ session_id: session, agent_id: agent.agentId, steps: 2 })]);
    expect(history.result.structuredContent).toEqual({ items: history.value });
    await toolError(agent.key, "replay_decision", { session_id: uniqueId("missing") }, "not_found");
  });
});

describe("trigger tools", () => {
  it("register_trigger maps HatiData's action types; list, test and delete them", async () => {
    const coordinator = await newAgent();
    const target = await newAgent();
    const notify = await toolValue(coordinator.key, "register_trigger", {
      name: "new-segment-analysis",
      concept: "customer segment lifetime value",
      threshold: 0.85,
      action_type: "agent_notify",
      action_config: { target_agent_id: target.agentId },
      cooldown_seconds: 60,
    });
    expect(notify).toMatchObject({ trigger_id: expect.stringMatching(/^trg_/), name: "new-segment-analysis", threshold: 0.85, action: { type: "agent_notify", target_agent_id: target.agentId } });
    const review = await toolValue(coordinator.key, "register_trigger", { name: "flag-anomalies", concept: "anomaly in transactions" });
    expect(review).toMatchObject({ action: { type: "write_event" }, threshold: 0.8 });

    const listed = await toolValue(coordinator.key, "list_triggers", {});
    expect(listed.map((t: { trigger_id: string }) => t.trigger_id)).toEqual(expect.arrayContaining([notify.trigger_id, review.trigger_id]));
    expect(await toolValue(coordinator.key, "list_triggers", { status: "disabled" })).not.toContainEqual(expect.objectContaining({ trigger_id: notify.trigger_id }));

    const tested = await toolValue(coordinator.key, "test_trigger", { trigger_id: notify.trigger_id, content: "customer segment lifetime value" });
    expect(tested).toEqual({ matched: true, score: expect.any(Number), threshold: 0.85, trigger_name: "new-segment-analysis" });
    expect(tested.score).toBeGreaterThan(0.99);

    expect(await toolValue(coordinator.key, "delete_trigger", { trigger_id: review.trigger_id })).toEqual({ deleted: true, trigger_id: review.trigger_id });
    await toolError(coordinator.key, "test_trigger", { trigger_id: review.trigger_id, content: "x" }, "not_found");
  });

  it("refuses an action without the settings it needs, naming them, before any request", async () => {
    const agent = await newAgent();
    const { result, value } = await callTool(agent.key, "register_trigger", { name: "x", concept: "y", action_type: "webhook", action_config: { webhook_url: "https://hooks.example.com/x" } });
    expect(result.isError).toBe(true);
    expect(String(value)).toMatch(/action_config\.secret|secret/);
  });

  it("passes the REST validation of a webhook through as the error result (a private address is refused)", async () => {
    const agent = await newAgent();
    const error = await toolError(
      agent.key,
      "register_trigger",
      { name: "hook", concept: "y", action_type: "webhook", action_config: { webhook_url: "http://127.0.0.1:9/hook", secret: "s".repeat(16) } },
      "invalid_request",
    );
    expect(JSON.stringify(error)).toMatch(/action\.url/);
  });
});

describe("SQL tools", () => {
  let agent: Agent;
  const table = `mcp_orders_${Date.now().toString(36)}`;
  beforeAll(async () => {
    agent = await newAgent();
  });

  it("query runs any statement and answers rows as a bare array, the whole result as {rows, ...}", async () => {
    expect(await toolValue(agent.key, "query", { sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL)` })).toEqual([]);
    const inserted = await callTool(agent.key, "query", { sql: `INSERT INTO ${table} (customer, total) VALUES (?, ?), (?, ?)`, params: ["acme", 120.5, "globex", 80] });
    expect(inserted.result.structuredContent).toMatchObject({ rows: [], changes: 2 });
    const { result, value } = await callTool(agent.key, "query", { sql: `SELECT customer, total FROM ${table} ORDER BY total DESC` });
    expect(value).toEqual([
      { customer: "acme", total: 120.5 },
      { customer: "globex", total: 80 },
    ]);
    expect(result.structuredContent).toMatchObject({ rows: value, columns: ["customer", "total"], row_count: 2, truncated: false });
  });

  it("read_query reads, and refuses any write before it runs", async () => {
    expect(await toolValue(agent.key, "read_query", { sql: `SELECT count(*) AS n FROM ${table}` })).toEqual([{ n: 2 }]);
    const error = await toolError(agent.key, "read_query", { sql: `DELETE FROM ${table}` }, "invalid_request");
    expect(error.message).toMatch(/reads only/);
    expect(await toolValue(agent.key, "read_query", { sql: `SELECT count(*) AS n FROM ${table}` })).toEqual([{ n: 2 }]);
    // SQL errors are the REST route's own.
    await toolError(agent.key, "read_query", { sql: "SELEC 1" }, "unprocessable");
  });

  it("list_tables names the tables one may query, HatiData's aliases included; describe_table their columns", async () => {
    const tables = await toolValue(agent.key, "list_tables", {});
    expect(tables).toEqual(expect.arrayContaining([table, "_memory", "_hatidata_memory", "_hatidata_cot", "_policy_denials"]));
    expect(tables).not.toContain("_agent_keys");
    expect(tables).toEqual([...tables].sort());
    expect(await toolValue(agent.key, "describe_table", { table_name: table })).toEqual([
      { column_name: "id", data_type: "INTEGER", is_nullable: "NO", primary_key: true },
      { column_name: "customer", data_type: "TEXT", is_nullable: "NO", primary_key: false },
      { column_name: "total", data_type: "REAL", is_nullable: "YES", primary_key: false },
    ]);
    const cot = await toolValue(agent.key, "describe_table", { table_name: "_hatidata_cot" });
    expect(cot.map((c: { column_name: string }) => c.column_name)).toEqual(expect.arrayContaining(["session_id", "logged_at", "trace_id", "created_at"]));
    await toolError(agent.key, "describe_table", { table_name: "no_such_table" }, "not_found");
  });

  it("never lists or describes key material, and records the attempt like a query's", async () => {
    await toolError(agent.key, "describe_table", { table_name: "_agent_keys" }, "forbidden");
    const denials = await api("POST", "/v1/query", { body: { sql: "SELECT count(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = 'table:_agent_keys'", params: [agent.agentId] } });
    expect(denials.body.rows[0].n).toBe(1);
  });

  it("lists only tables the caller may read: a policy's deny hides a table without recording anything", async () => {
    const watched = await newAgent();
    await api("POST", "/v1/policies", { body: { effect: "deny", actions: ["query:read"], resources: [`table:${table}`], principals: [watched.agentId] } });
    expect(await toolValue(watched.key, "list_tables", {})).not.toContain(table);
    const denials = await api("POST", "/v1/query", { body: { sql: "SELECT count(*) AS n FROM _policy_denials WHERE agent_id = ?", params: [watched.agentId] } });
    expect(denials.body.rows[0].n).toBe(0);
  });
});

describe("branch tools", () => {
  it("create, write, query, diff, merge, list and discard a branch with HatiData's names and shapes", async () => {
    const agent = await newAgent();
    const table = `mcp_forecast_${Date.now().toString(36)}`;
    const branch = await toolValue(agent.key, "branch_create", { name: "q1-forecast-experiment", description: "Test the v2 model" });
    expect(branch).toMatchObject({ branch_id: expect.stringMatching(/^br_/), name: "q1-forecast-experiment", label: "q1-forecast-experiment", status: "open" });
    const { branch_id } = branch;

    expect(await toolValue(agent.key, "branch_write", { branch_id, table, rows: [{ id: "2026-Q1", model: "v2", predicted_arr: 4200000 }] })).toEqual({ table, written: 1 });
    expect(await toolValue(agent.key, "branch_query", { branch_id, sql: `SELECT model, predicted_arr FROM ${table} WHERE model = 'v2'` })).toEqual([{ model: "v2", predicted_arr: 4200000 }]);
    const diff = await toolValue(agent.key, "branch_diff", { branch_id });
    expect(diff).toMatchObject({ branch_id, tables: [expect.objectContaining({ table, created: true })], conflicts: [] });

    const listed = await toolValue(agent.key, "branch_list", { status: "open" });
    expect(listed).toContainEqual(expect.objectContaining({ branch_id, name: "q1-forecast-experiment" }));

    expect(await toolValue(agent.key, "branch_merge", { branch_id })).toEqual({ branch_id, merged: true, status: "merged", applied: { [table]: 1 }, conflicts: [] });
    expect(await toolValue(agent.key, "read_query", { sql: `SELECT id FROM ${table}` })).toEqual([{ id: "2026-Q1" }]);

    const other = await toolValue(agent.key, "branch_create", { name: "abandoned" });
    expect(await toolValue(agent.key, "branch_discard", { branch_id: other.branch_id })).toEqual({ discarded: true, branch_id: other.branch_id, status: "discarded" });
    await toolError(agent.key, "branch_discard", { branch_id: other.branch_id }, "conflict");
  });
});

describe("inbox tools", () => {
  it("send_message delivers into another agent's inbox; inbox_poll takes it under a lease; inbox_ack settles it", async () => {
    const a = await newAgent();
    const b = await newAgent();
    const sent = await toolValue(a.key, "send_message", { to_agent_id: b.agentId, type: "handoff", body: { branch_id: "br_x", status: "pending-review" } });
    expect(sent).toMatchObject({ item_id: expect.any(String), kind: "message", from_agent_id: a.agentId, type: "handoff", body: { branch_id: "br_x", status: "pending-review" } });

    const { result, value } = await callTool(b.key, "inbox_poll", { lease_seconds: 60 });
    expect(value).toEqual([expect.objectContaining({ item_id: sent.item_id, kind: "message", from_agent_id: a.agentId })]);
    expect(result.structuredContent).toEqual({ items: value });
    expect(await toolValue(b.key, "inbox_ack", { item_ids: [sent.item_id, "msg_unknown"] })).toEqual({ acked: [sent.item_id], unknown: ["msg_unknown"] });
    expect(await toolValue(b.key, "inbox_poll", {})).toEqual([]);
    // Only the agent itself reads its inbox.
    await toolError(a.key, "inbox_poll", { agent_id: b.agentId }, "forbidden");
  });
});
