import { describe, expect, it } from "vitest";
import { api, count, newAgent, uniqueId } from "../helpers";
import { agentsWithKeys, defined, eventRows, registerType, runsOfWorkflow } from "../events/event-helpers";
import { workflowName } from "../workflows/workflow-helpers";
import { callTool, toolError, toolValue } from "./helpers";

// publish_event is POST /v1/events made as the caller: the same permission, schema check, dedupe and run starts.

const LOAD_SCHEMA = { type: "object", properties: { table: { type: "string" }, rows: { type: "integer", minimum: 0 } }, required: ["table", "rows"] };

/** A registered event type, and an event-driven workflow giving `agentId` a task for each event of it from `source`. */
async function subscribed(agentId: string, source = "warehouse") {
  const type = uniqueId("mcp.loaded");
  await registerType(type, LOAD_SCHEMA);
  const workflow = workflowName("mcp-events");
  await defined(workflow, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, filter: "source == '${source}'", agents: [${agentId}]}]\n`);
  return { type, workflow };
}

describe("publish_event", () => {
  it("starts the event-driven run the event matches; the agent's task carries the event", async () => {
    const [publisher, worker] = await agentsWithKeys("mcp-pub", "mcp-worker");
    const { type, workflow } = await subscribed(worker!.agentId);
    const answer = await callTool(publisher!.key, "publish_event", { type, source: "warehouse", data: { table: "orders", rows: 1200 } });
    expect(answer.result.isError, answer.result.content[0]?.text).toBeFalsy();
    expect(answer.value).toEqual({ event_id: expect.stringMatching(/^evt_/), duplicate: false, runs: [{ run_id: expect.stringMatching(/^run_/), workflow }] });
    expect(answer.result.structuredContent).toEqual(answer.value);
    const [task] = (await toolValue(worker!.key, "inbox_poll", {})) as { kind: string; run_id: string; input: unknown }[];
    expect(task).toMatchObject({ kind: "task", run_id: answer.value.runs[0].run_id, input: { event_id: answer.value.event_id, type, source: "warehouse", data: { table: "orders", rows: 1200 } } });
    expect(await toolValue(publisher!.key, "get_run", { run_id: answer.value.runs[0].run_id })).toMatchObject({ status: "running", trigger: { type: "event", event_id: answer.value.event_id } });
    // Published by the caller, over HTTP: the stored event says so.
    const stored = await api("GET", `/v1/events/${answer.value.event_id}`);
    expect(stored.body).toMatchObject({ publisher: "http", published_by: publisher!.agentId, status: "accepted" });
    // An event the filter does not match starts nothing, and is still an answer, not an error.
    const elsewhere = await toolValue(publisher!.key, "publish_event", { type, source: "crm", data: { table: "contacts", rows: 3 } });
    expect(elsewhere).toMatchObject({ duplicate: false, runs: [] });
    expect(await runsOfWorkflow(workflow)).toBe(1);
  });

  it("refuses a reader as an error result with the recorded denial; nothing is stored and no run starts", async () => {
    const [worker] = await agentsWithKeys("mcp-worker");
    const { type, workflow } = await subscribed(worker!.agentId);
    const reader = await newAgent("reader");
    const eventId = uniqueId("denied");
    const error = await toolError(reader.key, "publish_event", { type, source: "warehouse", event_id: eventId, data: { table: "orders", rows: 1 } }, "forbidden");
    expect(error.message).toMatch(/event:publish/);
    expect(await count("SELECT COUNT(*) AS n FROM _policy_denials WHERE agent_id = ? AND action = 'event:publish'", reader.agentId)).toBe(1);
    expect(await eventRows(eventId)).toBe(0);
    expect(await runsOfWorkflow(workflow)).toBe(0);
  });

  it("refuses data that does not match the registered schema with each path, storing nothing", async () => {
    const [publisher, worker] = await agentsWithKeys("mcp-pub", "mcp-worker");
    const { type, workflow } = await subscribed(worker!.agentId);
    const eventId = uniqueId("invalid");
    const error = await toolError(publisher!.key, "publish_event", { type, source: "warehouse", event_id: eventId, data: { table: 7, rows: -1 } }, "invalid_request");
    expect(error.message).toMatch(/does not match the schema registered/);
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(["data.rows", "data.table"]);
    expect(await eventRows(eventId)).toBe(0);
    expect(await runsOfWorkflow(workflow)).toBe(0);
  });

  it("refuses a platform type and the reserved source, and arguments outside its schema, as error results", async () => {
    const [publisher] = await agentsWithKeys("mcp-pub");
    await toolError(publisher!.key, "publish_event", { type: "run.started", data: {} }, "invalid_request");
    await toolError(publisher!.key, "publish_event", { type: uniqueId("t"), source: "switchyard", data: {} }, "invalid_request");
    for (const args of [{ data: {} }, { type: "x" }, { type: "has space", data: {} }, { type: "t", data: {}, priority: 1 }, { type: "t", data: {}, time: "yesterday" }]) {
      const { result } = await callTool(publisher!.key, "publish_event", args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
    }
  });

  it("answers a repeated event_id with the first event's runs and duplicate: true, starting nothing new, also when 20 race", async () => {
    const [publisher, worker] = await agentsWithKeys("mcp-pub", "mcp-worker");
    const { type, workflow } = await subscribed(worker!.agentId);
    const event = { type, source: "warehouse", event_id: uniqueId("load"), data: { table: "orders", rows: 5 } };
    const first = await toolValue(publisher!.key, "publish_event", event);
    expect(first).toMatchObject({ event_id: event.event_id, duplicate: false, runs: [{ workflow }] });
    expect(await toolValue(publisher!.key, "publish_event", event)).toEqual({ ...first, duplicate: true });
    expect(await runsOfWorkflow(workflow)).toBe(1);

    const raced = { ...event, event_id: uniqueId("race") };
    const answers = await Promise.all(Array.from({ length: 20 }, () => toolValue(publisher!.key, "publish_event", raced)));
    expect(answers.filter((a: { duplicate: boolean }) => !a.duplicate)).toHaveLength(1);
    expect(new Set(answers.map((a: { runs: { run_id: string }[] }) => a.runs[0]?.run_id)).size).toBe(1);
    expect(await runsOfWorkflow(workflow)).toBe(2);
    expect(await eventRows(raced.event_id)).toBe(1);
  });
});
