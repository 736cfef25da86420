import { describe, expect, it } from "vitest";
import { newAgent } from "../helpers";
import { rpc } from "./helpers";

/** HatiData's tool names, then Switchyard's own. */
const HATIDATA_TOOLS = [
  "store_memory",
  "search_memory",
  "delete_memory",
  "get_agent_state",
  "set_agent_state",
  "log_reasoning_step",
  "replay_decision",
  "get_session_history",
  "register_trigger",
  "list_triggers",
  "delete_trigger",
  "test_trigger",
  "query",
  "read_query",
  "list_tables",
  "describe_table",
  "branch_create",
  "branch_query",
  "branch_merge",
  "branch_discard",
  "branch_list",
];
const SWITCHYARD_TOOLS = ["inbox_poll", "inbox_ack", "send_message", "branch_write", "branch_diff", "verify_chain", "start_run", "get_run", "complete_task", "publish_event"];

interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: string; properties?: Record<string, { description?: string }>; required?: string[]; additionalProperties?: boolean };
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean };
}

async function listTools(): Promise<ListedTool[]> {
  const agent = await newAgent("reader");
  const res = await rpc("tools/list", {}, { key: agent.key });
  expect(res.status).toBe(200);
  return res.body.result.tools;
}

describe("tools/list", () => {
  it("lists every HatiData tool by its name, and Switchyard's own", async () => {
    const names = (await listTools()).map((t) => t.name);
    expect(names.sort()).toEqual([...HATIDATA_TOOLS, ...SWITCHYARD_TOOLS].sort());
  });

  it("describes each tool well enough to use unaided: a title, what it does and returns, and every argument", async () => {
    for (const tool of await listTools()) {
      expect(tool.title, tool.name).toMatch(/\w/);
      expect(tool.description.length, tool.name).toBeGreaterThan(100);
      expect(tool.description, tool.name).toMatch(/Returns/);
      for (const [argument, schema] of Object.entries(tool.inputSchema.properties ?? {})) expect(schema.description, `${tool.name}.${argument}`).toMatch(/\w/);
    }
  });

  it("gives each tool a strict object schema: unknown arguments are not allowed", async () => {
    for (const tool of await listTools()) {
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    }
  });

  it("marks each tool read-only, destructive and idempotent as it behaves", async () => {
    const tools = new Map((await listTools()).map((t) => [t.name, t.annotations]));
    for (const tool of tools.values()) for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint"] as const) expect(typeof tool[hint]).toBe("boolean");
    for (const name of ["search_memory", "get_agent_state", "replay_decision", "get_session_history", "list_triggers", "test_trigger", "read_query", "list_tables", "describe_table", "branch_list", "branch_diff", "verify_chain", "get_run"])
      expect(tools.get(name), name).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    for (const name of ["delete_memory", "delete_trigger", "branch_discard", "branch_merge", "query", "set_agent_state"])
      expect(tools.get(name), name).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    for (const name of ["store_memory", "log_reasoning_step", "register_trigger", "branch_create", "send_message", "publish_event"])
      expect(tools.get(name), name).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(tools.get("inbox_poll")).toMatchObject({ readOnlyHint: false, idempotentHint: false });
  });

  it("requires what HatiData requires, and defaults the rest", async () => {
    const required = new Map((await listTools()).map((t) => [t.name, [...(t.inputSchema.required ?? [])].sort()]));
    expect(required.get("store_memory")).toEqual(["content"]);
    expect(required.get("search_memory")).toEqual(["query"]);
    expect(required.get("get_agent_state")).toEqual(["key"]);
    expect(required.get("set_agent_state")).toEqual(["key", "value"]);
    expect(required.get("log_reasoning_step")).toEqual(["content", "session_id"]);
    expect(required.get("register_trigger")).toEqual(["concept", "name"]);
    expect(required.get("branch_query")).toEqual(["branch_id", "sql"]);
    expect(required.get("list_tables")).toEqual([]);
    expect(required.get("publish_event")).toEqual(["data", "type"]);
  });
});
