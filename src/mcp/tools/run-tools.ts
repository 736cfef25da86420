import { z } from "zod";
import { segment } from "../rest-client";
import { ADDS, READS, defineTool } from "../tool";

export const startRun = defineTool({
  name: "start_run",
  title: "Start a workflow run",
  description:
    "Start a run of a saved workflow (its current revision). Every agent the workflow uses is pinned to the version it resolves to now, for the " +
    "whole run; the agents that start the run have their tasks in their inboxes when this returns. Returns the run {run_id, workflow, revision, " +
    "status: running, input, agents: {agent: version}, trigger, tasks, started_at}; follow it with get_run.",
  input: z.strictObject({
    workflow: z.string().min(1).max(128).describe("The workflow's name."),
    input: z.json().optional().describe("What the starting agents receive as their input (any JSON)."),
  }),
  annotations: ADDS,
  run: ({ workflow, input }, { rest }) => rest.post(`/v1/workflows/${segment(workflow)}/runs`, { body: input === undefined ? {} : { input } }),
});

export const getRun = defineTool({
  name: "get_run",
  title: "Read a workflow run",
  description:
    "Look at a run to follow its progress or read its result. Returns the run: its status (running, succeeded, failed, timed_out, cancelled), " +
    "output or error, pinned agent versions, how it started, and every task {task_id, agent_id, version, status, input, output, error, attempt, usage, deadline}.",
  input: z.strictObject({ run_id: z.string().min(1).max(64).describe("The run's id (run_…).") }),
  annotations: READS,
  run: ({ run_id }, { rest }) => rest.get(`/v1/runs/${segment(run_id)}`),
});

export const completeTask = defineTool({
  name: "complete_task",
  title: "Complete one of your tasks",
  description:
    "Finish a task you were given (an inbox item of kind task): send its output, or status failed with an error. The output is checked against " +
    "your version's output_schema and, in a message-passing flow, each outgoing edge's schema: a mismatch is an error and the task stays open, so " +
    "correct the output and call again. A finished task cannot be completed again. `state` writes shared-state keys (your declared writes) with " +
    "the completion. Returns the finished task.",
  input: z.strictObject({
    task_id: z.string().min(1).max(64).describe("The task's id (tsk_…), from the inbox item."),
    output: z.json().optional().describe("The task's result (any JSON)."),
    status: z.enum(["succeeded", "failed"]).optional().describe("Default succeeded."),
    error: z.strictObject({ code: z.string().max(128).optional(), message: z.string().max(4000).optional() }).optional().describe("With status failed: what went wrong."),
    usage: z.strictObject({ tokens_in: z.number().int().min(0), tokens_out: z.number().int().min(0) }).optional().describe("Tokens the task used."),
    state: z.record(z.string(), z.json()).optional().describe("Shared-state keys to write with the completion."),
  }),
  // A second completion of the same task is refused (409), so not idempotent; nothing is destroyed.
  annotations: ADDS,
  run: ({ task_id, ...completion }, { rest }) => rest.post(`/v1/tasks/${segment(task_id)}/complete`, { body: completion }),
});

export const RUN_TOOLS = [startRun, getRun, completeTask];
