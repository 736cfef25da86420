import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import type { TableAccess } from "../sql/guard";
import { RefusedTableError } from "../sql/guard-errors";
import { recordRefusal } from "../sql/record-refusal";
import { guardWithCatalog, runChange, runRead } from "../sql/run-query";
import { QueryRequestSchema, QueryResultSchema } from "../sql/schemas";

/** `query:read` on every table a statement only reads, `query:write` on every table it writes or reshapes. */
export async function authorizeTables(c: Context<AppEnv>, tables: readonly TableAccess[]): Promise<void> {
  for (const table of tables)
    await authorize(c, table.access === "read" ? "query:read" : "query:write", { type: "table", id: table.name });
}

export const queryRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/v1/query",
    tags: ["SQL"],
    summary: "Run one SQL statement over the data layer",
    description:
      "One SQLite statement over the users' tables and the readable system tables (`_memory`, `_triggers`, `_branches`, `_agents`, " +
      "`_audit_log`, `_policy_denials`, `_cot`, `_agent_versions`, `_workflows`, `_workflow_revisions`, `_events`, `_event_decisions`, `_event_types`). `NOW()`, `CURRENT_TIMESTAMP` and `<ts> ± INTERVAL 'n unit'` are rewritten to " +
      "the contract's ISO timestamps. Reading a table needs `query:read` on `table:<name>`; writing or changing its schema needs " +
      "`query:write`. Refused statement kinds (PRAGMA, ATTACH, VACUUM, triggers, transactions, …) and functions are 400; tables that " +
      "are never reachable (key material, writes to system tables, reserved names) are 403 and recorded as denials; SQL that does " +
      "not parse or that the database refuses is 422. Results stop at 10,000 rows or ~4 MiB with `truncated: true`.",
    request: { body: jsonBody(QueryRequestSchema) },
    responses: { 200: jsonResponse(QueryResultSchema, "The rows (or, for a write, RETURNING rows and `changes`)."), ...errorResponses("unprocessable") },
  }),
  async (c) => {
    const { sql, params = [] } = c.req.valid("json");
    const db = c.env.DB;
    const guarded = await guardWithCatalog(db, sql, params).catch(async (err: unknown) => {
      if (err instanceof RefusedTableError) await recordRefusal(c, err);
      throw err;
    });
    if (guarded.kind === "read") {
      // A read has no effect, so it starts alongside the authorisation; its rows are used only once allowed.
      const rows = runRead(db, guarded, params);
      rows.catch(() => undefined); // a refusal wins; the discarded read must not surface as unhandled
      await authorizeTables(c, guarded.tables);
      return c.json(await rows, 200);
    }
    await authorizeTables(c, guarded.tables);
    return c.json(await runChange(db, guarded, params, auditContext(c)), 200);
  },
);
