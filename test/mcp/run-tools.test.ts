import { describe, expect, it } from "vitest";
import { api, count, newAgent } from "../helpers";
import { putWorkflow, workflowName } from "../workflows/workflow-helpers";
import { callTool } from "./helpers";

async function withVersion(role: "agent" | "reader" = "agent") {
  const agent = await newAgent(role);
  await api("POST", `/v1/agents/${agent.agentId}/versions`, { body: { version: "1.0.0" } });
  return agent;
}

describe("run tools", () => {
  it("start_run, get_run and complete_task carry a message-passing run to its end", async () => {
    const [a, b] = [await withVersion(), await withVersion()];
    const name = workflowName("mcp-run");
    await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`);
    const started = await callTool(a.key, "start_run", { workflow: name, input: { q: 3 } });
    expect(started.result.isError).toBeFalsy();
    expect(started.value).toMatchObject({ workflow: name, status: "running", input: { q: 3 } });
    const [first] = (await callTool(a.key, "inbox_poll", { wait_seconds: 0 })).value as { kind: string; task_id: string }[];
    expect(first).toMatchObject({ kind: "task" });
    const done = await callTool(a.key, "complete_task", { task_id: first!.task_id, output: { rows: 1 }, usage: { tokens_in: 5, tokens_out: 2 } });
    expect(done.value).toMatchObject({ status: "succeeded", usage: { tokens_in: 5, tokens_out: 2 } });
    const [second] = (await callTool(b.key, "inbox_poll", {})).value as { task_id: string; input: unknown }[];
    expect(second!.input).toEqual({ rows: 1 });
    await callTool(b.key, "complete_task", { task_id: second!.task_id, output: "ok" });
    expect((await callTool(a.key, "get_run", { run_id: started.value.run_id })).value).toMatchObject({ status: "succeeded", output: { [b.agentId]: "ok" } });
  });

  it("refuses another agent's completion as isError with the recorded denial, and a reader's start", async () => {
    const [a, b] = [await withVersion(), await withVersion()];
    const name = workflowName("mcp-deny");
    await putWorkflow(undefined, name, `coordination:\n  pattern: message-passing\n  flow:\n    - {from: ${a.agentId}, to: ${b.agentId}}\n`);
    await callTool(a.key, "start_run", { workflow: name });
    const [task] = (await callTool(a.key, "inbox_poll", {})).value as { task_id: string }[];
    const forged = await callTool(b.key, "complete_task", { task_id: task!.task_id, output: "mine now" });
    expect(forged.result.isError).toBe(true);
    expect(forged.value.error.code).toBe("forbidden");
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'task:complete'", b.agentId)).toBe(1);
    const reader = await newAgent("reader");
    const refused = await callTool(reader.key, "start_run", { workflow: name });
    expect(refused.result.isError).toBe(true);
    expect(refused.value.error.code).toBe("forbidden");
  });
});
