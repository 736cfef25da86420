import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Answer, TaskView } from "../../durable-objects/workflow-run/run-types";
import type { NotOwner } from "../../durable-objects/workflow-run/task-actions";
import { authorize } from "../authz/authorize";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { callerOf, settle } from "../runs/answers";
import { taskRunObject } from "../runs/run-object";
import { CompleteTaskSchema, FeedbackSchema, HeartbeatSchema, TaskIdPathSchema, TaskSchema } from "../runs/schemas";

const tags = ["Runs and tasks"];
const taskResource = (taskId: string, owner: string) => ({ type: "task", id: taskId, owner });
const workflowResource = (name: string) => ({ type: "workflow", id: name });

/**
 * An action on a task by its agent. The run checks the caller owns the task; when it does not, the
 * policies are asked (`task:complete` on the task, owned by its agent: an allow may let a supervisor act
 * for it), and the refusal, if any, is recorded as a denial. Then the run is asked again, cleared.
 */
async function asTaskAgent(c: Context<AppEnv>, taskId: string, act: (ownerCleared: boolean) => Promise<Answer<TaskView> | NotOwner>): Promise<TaskView> {
  await authorize(c, "task:complete", taskResource(taskId, c.get("principal").agentId));
  let answer = await act(false);
  if ("not_owner" in answer) {
    await authorize(c, "task:complete", taskResource(taskId, answer.not_owner.agent_id));
    answer = await act(true);
    if ("not_owner" in answer) throw new Error("the run refused a cleared caller");
  }
  return settle(c, answer);
}

export const taskRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tasks/{task_id}",
      tags,
      summary: "Read a task",
      request: { params: TaskIdPathSchema },
      responses: { 200: jsonResponse(TaskSchema, "The task."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { task_id } = c.req.valid("param");
      const task = await taskRunObject(c.env, task_id).task(task_id);
      if (!task) throw notFound("Task", task_id);
      await authorize(c, "workflow:read", workflowResource(task.workflow));
      return c.json(task, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks/{task_id}/complete",
      tags,
      summary: "Complete a task with its output (or its failure)",
      description:
        "Only the task's agent (or an admin) completes it. `output` is checked against the version's `output_schema` and, in message-passing, " +
        "against each outgoing edge's schema: a mismatch is 400 and the task stays open for a corrected completion. A finished task answers 409. " +
        "`usage` records the tokens it took; `state` writes shared-state keys atomically with the completion.",
      request: { params: TaskIdPathSchema, body: jsonBody(CompleteTaskSchema) },
      responses: { 200: jsonResponse(TaskSchema, "The finished task."), ...errorResponses("not_found", "conflict", "payload_too_large", "guard_rail", "rate_limited") },
    }),
    async (c) => {
      const { task_id } = c.req.valid("param");
      const completion = c.req.valid("json");
      const run = taskRunObject(c.env, task_id);
      return c.json(await asTaskAgent(c, task_id, (cleared) => run.complete(task_id, completion, callerOf(c), cleared)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks/{task_id}/heartbeat",
      tags,
      summary: "Push a task's deadline back by its timeout",
      description: "For long tasks: each heartbeat moves the deadline to now + the workflow's `task_timeout_seconds`.",
      request: { params: TaskIdPathSchema, body: { ...jsonBody(HeartbeatSchema), required: false } },
      responses: { 200: jsonResponse(TaskSchema, "The task with its new deadline."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { task_id } = c.req.valid("param");
      const run = taskRunObject(c.env, task_id);
      return c.json(await asTaskAgent(c, task_id, (cleared) => run.heartbeat(task_id, callerOf(c), cleared)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/tasks/{task_id}/feedback",
      tags,
      summary: "Rate a task's output (thumbs up or down)",
      description: "The rating feeds the `quality_score` of an A/B test (up ÷ rated). A second rating replaces the first.",
      request: { params: TaskIdPathSchema, body: jsonBody(FeedbackSchema) },
      responses: { 200: jsonResponse(TaskSchema, "The task with its feedback."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { task_id } = c.req.valid("param");
      const run = taskRunObject(c.env, task_id);
      const task = await run.task(task_id);
      if (!task) throw notFound("Task", task_id);
      await authorize(c, "workflow:run", workflowResource(task.workflow));
      return c.json(await settle(c, await run.feedback(task_id, c.req.valid("json"), callerOf(c))), 200);
    },
  );
