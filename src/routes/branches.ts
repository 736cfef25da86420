import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditInsert } from "../audit/audit-log";
import type { Action } from "../authz/actions";
import { authorize } from "../authz/authorize";
import { branchObject, branchRef, branchResource, tableResource } from "../branches/branch-object";
import { guardBranchSql } from "../branches/branch-sql";
import { unwrap } from "../branches/outcome";
import { createBranch, defaultTtlSeconds, findBranch, listBranches, requireOpen } from "../branches/registry";
import { platformEvent } from "../events/platform-events";
import { prepareRows } from "../branches/row-shape";
import {
  BranchDiffSchema,
  BranchListSchema,
  BranchPathSchema,
  BranchSchema,
  BranchWriteResultSchema,
  BranchWriteSchema,
  CreateBranchSchema,
  ListBranchesQuerySchema,
  MergeResultSchema,
  MergeSchema,
} from "../branches/schemas";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { RefusedTableError } from "../sql/guard-errors";
import { QueryRequestSchema, QueryResultSchema } from "../sql/schemas";
import { recordRefusal } from "../sql/record-refusal";
import { foldName } from "../sql/sql-names";

const tags = ["Branches"];

/** Authorises the branch action and each table action, together; every refusal is recorded, the first raised. */
async function authorizeAll(c: Context<AppEnv>, branchId: string, branchAction: Action, tables: [Action, string][]) {
  await Promise.all([authorize(c, branchAction, branchResource(branchId)), ...tables.map(([action, table]) => authorize(c, action, tableResource(table)))]);
}

/** `query:read` on each table, named as the SQL guard names them (folded as SQLite folds names). */
const readsOf = (tables: readonly string[]): [Action, string][] => [...new Set(tables.map(foldName))].map((t) => ["query:read", t]);

async function audit(c: Context<AppEnv>, action: string, branchId: string, details: Record<string, unknown>) {
  await auditInsert(database(c.env), { ...auditContext(c), action, resource: `branch:${branchId}`, status: "success", details });
}

export const branchRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/branches",
      tags,
      summary: "Create a branch (copies nothing)",
      description:
        "A branch is a copy-on-write sandbox of the SQL data layer. Creating one writes its registry row only; the first time it touches a table it takes that table from main.",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateBranchSchema) },
      responses: { 201: jsonResponse(BranchSchema, "The new, open branch."), ...errorResponses() },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await authorize(c, "branch:create", branchResource("*"));
      const branch = await createBranch(database(c.env), { label: input.label, description: input.description, ttlSeconds: input.ttl_seconds ?? defaultTtlSeconds(c.env) }, auditContext(c));
      platformEvent(c, {
        type: "branch.created",
        key: `branch.created:${branch.branch_id}`,
        data: { branch_id: branch.branch_id, label: branch.label, description: branch.description, created_by: branch.created_by, expires_at: branch.expires_at },
      });
      return c.json(branch, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/branches",
      tags,
      summary: "List branches, oldest first",
      request: { query: ListBranchesQuerySchema },
      responses: { 200: jsonResponse(BranchListSchema, "A page of branches."), ...errorResponses() },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid("query");
      await authorize(c, "branch:read", branchResource("*"));
      return c.json(await listBranches(database(c.env), { status }, limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/branches/{branch_id}",
      tags,
      summary: "Read a branch",
      request: { params: BranchPathSchema },
      responses: { 200: jsonResponse(BranchSchema, "The branch."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      await authorize(c, "branch:read", branchResource(branch_id));
      return c.json(await findBranch(database(c.env), branch_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/branches/{branch_id}/write",
      tags,
      summary: "Write rows into a branch table (insert or upsert)",
      description:
        "A table main has is taken into the branch first. A table that exists nowhere is created from the rows: their keys are its columns, their JSON types its column types " +
        "(integers INTEGER, other numbers REAL, booleans 0/1 INTEGER, strings TEXT, objects and arrays their JSON as TEXT), and `id` is its primary key when every row has one; " +
        "otherwise it is keyless. An unknown column or a row of the wrong shape is 400 and nothing is written.",
      request: { params: BranchPathSchema, body: jsonBody(BranchWriteSchema) },
      responses: { 200: jsonResponse(BranchWriteResultSchema, "The rows written."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      const { table, rows, mode } = c.req.valid("json");
      await authorizeAll(c, branch_id, "branch:write", [["query:write", table]]);
      const prepared = prepareRows(rows);
      const result = unwrap(await branchObject(c.env, branch_id).write(branchRef(branch_id), table, prepared, mode));
      await audit(c, "branch:write", branch_id, { table, mode, written: result.written });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/branches/{branch_id}/query",
      tags,
      summary: "Run one SQL statement against the branch's view",
      description:
        "Any SQL the caller may run on main (the same guard and policies), against main as it was when the branch first touched each table, plus the branch's own changes. Writes are allowed.",
      request: { params: BranchPathSchema, body: jsonBody(QueryRequestSchema) },
      responses: { 200: jsonResponse(QueryResultSchema, "The statement's result."), ...errorResponses("not_found", "conflict", "unprocessable") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      const { sql, params = [] } = c.req.valid("json");
      const statement = await guardBranchSql(c.env.DB, sql, params).catch(async (err: unknown) => {
        if (err instanceof RefusedTableError) await recordRefusal(c, err);
        throw err;
      });
      const writes = statement.kind !== "read";
      await authorizeAll(
        c,
        branch_id,
        writes ? "branch:write" : "branch:read",
        statement.tables.map((t): [Action, string] => [t.access === "read" ? "query:read" : "query:write", t.name]),
      );
      const result = unwrap(
        await branchObject(c.env, branch_id).query(
          branchRef(branch_id),
          statement.sql,
          params,
          statement.tables.map((t) => t.name),
          writes,
          statement.simple,
        ),
      );
      if (writes) await audit(c, "branch:query", branch_id, { kind: statement.kind, tables: statement.tables.map((t) => t.name) });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/branches/{branch_id}/diff",
      tags,
      summary: "What the branch changed, per table, and the conflicts a merge would meet now",
      description:
        "Rows are matched by primary key; a table without one is compared as a multiset of whole rows. A conflict is a row main changed since the branch took it that the branch changed differently. " +
        "A diff shows main's rows, so besides `branch:read` it needs `query:read` on every table in it, as a query reading them would (403 naming the first refused table).",
      request: { params: BranchPathSchema },
      responses: { 200: jsonResponse(BranchDiffSchema, "The diff."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      await authorize(c, "branch:read", branchResource(branch_id));
      const diff = unwrap(await branchObject(c.env, branch_id).diff(branchRef(branch_id)));
      await authorizeAll(c, branch_id, "branch:read", readsOf(diff.tables.map((t) => t.table)));
      return c.json(diff, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/branches/{branch_id}/merge",
      tags,
      summary: "Merge the branch into main (branch_wins, main_wins or manual)",
      description:
        "All or nothing, in one D1 transaction, with the tables and columns the branch created. With `manual`, any conflict applies nothing and leaves the branch open; " +
        "`resolutions` (`take`: `main`, `branch` or `{row}`) then complete it. If main changes the rows a merge touches while it is applied, the merge notices and answers 409 rather than overwrite them.",
      request: { params: BranchPathSchema, body: jsonBody(MergeSchema) },
      responses: { 200: jsonResponse(MergeResultSchema, "Merged, or the conflicts that stopped a manual merge."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      const { strategy, resolutions } = c.req.valid("json");
      await authorize(c, "branch:merge", branchResource(branch_id));
      const object = branchObject(c.env, branch_id);
      // Merging writes main's tables: the caller needs query:write on each table the branch changed; and a
      // conflict report shows main's rows of those tables, so query:read too, as a query would.
      const tables = unwrap(await object.changedTables(branchRef(branch_id)));
      for (const table of tables) await authorize(c, "query:write", tableResource(foldName(table)));
      await authorizeAll(c, branch_id, "branch:merge", readsOf(tables));
      const result = unwrap(await object.merge(branchRef(branch_id), strategy, resolutions ?? [], auditContext(c), tables));
      if (result.status === "merged")
        platformEvent(c, { type: "branch.merged", key: `branch.merged:${branch_id}`, data: { branch_id, merged_by: c.get("principal").agentId, applied: result.applied } });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/branches/{branch_id}/discard",
      tags,
      summary: "Discard the branch and everything written on it",
      request: { params: BranchPathSchema },
      responses: { 200: jsonResponse(BranchSchema, "The discarded branch."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { branch_id } = c.req.valid("param");
      await authorize(c, "branch:discard", branchResource(branch_id));
      const { closed } = unwrap(await branchObject(c.env, branch_id).discard(branchRef(branch_id), auditContext(c)));
      const after = await findBranch(database(c.env), branch_id);
      if (!closed) requireOpen(after);
      platformEvent(c, { type: "branch.discarded", key: `branch.discarded:${branch_id}`, data: { branch_id, label: after.label, discarded_by: c.get("principal").agentId } });
      return c.json(after, 200);
    },
  );
