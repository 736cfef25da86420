import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { TriggerSync } from "../lifecycle/trigger-sync";
import { WorkflowWithHookKeysSchema } from "../lifecycle/schemas";
import { WorkflowDocumentSchema } from "../workflows/definition/document-schema";
import { MAX_ALIAS_COUNT, MAX_DEFINITION_BYTES, formatOf } from "../workflows/definition/source";
import {
  DeleteWorkflowQuery,
  DeletedWorkflowSchema,
  GetWorkflowQuery,
  RollbackSchema,
  WorkflowListQuery,
  WorkflowListSchema,
  WorkflowPathSchema,
  WorkflowRevisionListSchema,
  WorkflowSchema,
} from "../workflows/schemas";
import { type AuthoriseChange, deleteWorkflow, putWorkflow, rollbackWorkflow } from "../workflows/workflow-changes";
import { listRevisions, listWorkflows, requireWorkflow, revisionOf, workflowJson } from "../workflows/workflow-store";

const tags = ["Workflows"];
const ACCESS =
  "Reading takes `workflow:read` (every role); changing takes `workflow:write` on `workflow:<name>`, whose owner is the workflow's " +
  "author: every agent may create a workflow, and only its author (or an admin) changes, rolls back or deletes it.";

/** `workflow:write`, owned by the author; a workflow being created is the caller's own. */
const authoriseChange =
  (c: Context<AppEnv>, name: string): AuthoriseChange =>
  (author) =>
    authorize(c, "workflow:write", { type: "workflow", id: name, owner: author ?? c.get("principal").agentId });

const authoriseRead = (c: Context<AppEnv>, name: string) => authorize(c, "workflow:read", { type: "workflow", id: name });

/** The lifecycle triggers' side of a change: checks at PUT, the registry in the save's batch, the objects told. */
const triggerSync = (c: Context<AppEnv>) => new TriggerSync(c.env, database(c.env));

const routes = router();
routes.openAPIRegistry.register("WorkflowDocument", WorkflowDocumentSchema);

export const workflowRoutes = routes
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/workflows/{name}",
      tags,
      summary: "Create or change a workflow (YAML or JSON)",
      description:
        "The body is the workflow document as YAML (`Content-Type: application/yaml`, `text/yaml` or `application/x-yaml`) or the " +
        "same as JSON. It is checked whole before anything is stored: its shape (unknown fields are refused), every agent reference " +
        "(registered, a matching version published, no deprecated pin), every event filter (CEL), and the coordination itself " +
        "(message edges, shared-state reads and writes, hierarchical workers). Mistakes are one 400 whose `details` list " +
        "`{path, line, column, message}` (line and column for YAML). What is legal but likely wrong comes back in `warnings` " +
        "and is kept with the revision. 201 on creation, 200 on change; a body whose normalised definition equals the current " +
        `revision's makes no new revision. At most ${MAX_DEFINITION_BYTES / 1024} KiB; YAML aliases may be used ${MAX_ALIAS_COUNT} times. ` +
        "Lifecycle triggers are checked against the deployment too: a polling condition through the SQL guard with the permissions " +
        "of the workflow's author (one that writes, or reads a table the author may not read, is a 400), a webhook path unique in " +
        "the deployment (409), a `jwks_url` the URL guard allows. The key of each new `api_key` hook is in `hook_keys`, in this " +
        "answer only (it is stored hashed; a PUT is never kept by the idempotency cache). " +
        ACCESS,
      request: {
        params: WorkflowPathSchema,
        body: {
          required: true,
          content: {
            "application/yaml": { schema: { type: "string", description: "The workflow document in YAML." } },
            "application/json": { schema: { $ref: "#/components/schemas/WorkflowDocument" } },
          },
        },
      },
      responses: {
        200: jsonResponse(WorkflowWithHookKeysSchema, "The workflow as changed (or unchanged)."),
        201: jsonResponse(WorkflowWithHookKeysSchema, "The workflow as created."),
        ...errorResponses("conflict", "payload_too_large"),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const format = formatOf(c.req.header("content-type"));
      const text = await c.req.text();
      const outcome = await putWorkflow(database(c.env), name, text, format, authoriseChange(c, name), auditContext(c), triggerSync(c));
      const body = outcome.hookKeys.length > 0 ? { ...outcome.workflow, hook_keys: outcome.hookKeys } : outcome.workflow;
      return outcome.status === 201 ? c.json(body, 201) : c.json(body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows",
      tags,
      summary: "List workflows",
      description: "Live workflows by name, each with its current revision. " + ACCESS,
      request: { query: WorkflowListQuery },
      responses: { 200: jsonResponse(WorkflowListSchema, "A page of workflows, by name."), ...errorResponses() },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      await authoriseRead(c, "*");
      return c.json(await listWorkflows(database(c.env), limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}",
      tags,
      summary: "Get a workflow (its current revision, or ?revision=)",
      request: { params: WorkflowPathSchema, query: GetWorkflowQuery },
      responses: { 200: jsonResponse(WorkflowSchema, "The workflow at that revision."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { revision } = c.req.valid("query");
      await authoriseRead(c, name);
      const db = database(c.env);
      const current = await requireWorkflow(db, name);
      const shown = revision === undefined || revision === current.revision.revision ? current.revision : await revisionOf(db, name, revision);
      return c.json(workflowJson(current.workflow, shown), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{name}/revisions",
      tags,
      summary: "List a workflow's revisions, newest first",
      request: { params: WorkflowPathSchema, query: WorkflowListQuery },
      responses: { 200: jsonResponse(WorkflowRevisionListSchema, "A page of revisions, newest first."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await authoriseRead(c, name);
      const db = database(c.env);
      await requireWorkflow(db, name);
      return c.json(await listRevisions(db, name, limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/{name}/rollback",
      tags,
      summary: "Roll back: a new revision equal to an earlier one",
      description:
        "The earlier revision is checked again like every change: one that pins a version deprecated since is refused (400). " +
        "201 with the new revision; 200 and no new revision when that revision's definition is already the current one. " +
        ACCESS,
      middleware: [idempotent] as const,
      request: { params: WorkflowPathSchema, headers: IdempotencyHeaders, body: jsonBody(RollbackSchema) },
      responses: {
        200: jsonResponse(WorkflowSchema, "Already at that definition: no new revision."),
        201: jsonResponse(WorkflowSchema, "The workflow at its new revision."),
        ...errorResponses("not_found", "conflict"),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { revision } = c.req.valid("json");
      const outcome = await rollbackWorkflow(database(c.env), name, revision, authoriseChange(c, name), auditContext(c), triggerSync(c));
      return outcome.status === 201 ? c.json(outcome.workflow, 201) : c.json(outcome.workflow, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/workflows/{name}",
      tags,
      summary: "Delete a workflow",
      description:
        "Refused with 409 (listing them) while runs of it are running, unless `?force=true` cancels them. Its revisions are kept for " +
        "the runs that name them; putting the name again creates it anew, with the next revision number. " +
        ACCESS,
      request: { params: WorkflowPathSchema, query: DeleteWorkflowQuery },
      responses: { 200: jsonResponse(DeletedWorkflowSchema, "The workflow is gone."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const force = c.req.valid("query").force === "true";
      const cancelled = await deleteWorkflow(c.env, database(c.env), name, force, authoriseChange(c, name), auditContext(c), triggerSync(c));
      return c.json({ name, deleted: true as const, cancelled_runs: cancelled }, 200);
    },
  );
