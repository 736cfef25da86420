import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { policySetAt } from "../policy/policy-cache";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { guardSqlWrite } from "../guard-rails/request-guard";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import type { TableAccess } from "../sql/guard";
import { RefusedTableError } from "../sql/guard-errors";
import { type Caller, callerStatement, statementFailure } from "../sql/caller-statement";
import { recordRefusal } from "../sql/record-refusal";
import { guardWithCatalog, runChange, runRead } from "../sql/run-query";
import { QueryRequestSchema, QueryResultSchema } from "../sql/schemas";

/** `query:read` on every table a statement only reads, `query:write` on every table it writes or reshapes. */
export async function authorizeTables(c: Context<AppEnv>, tables: readonly TableAccess[]): Promise<void> {
  for (const table of tables)
    await authorize(c, table.access === "read" ? "query:read" : "query:write", { type: "table", id: table.name });
}

/** Who runs the statement, for the row rule: the principal and its policies, decided as `authorize` does. */
export function callerOf(c: Context<AppEnv>): Caller {
  const principal = c.get("principal");
  return { principal, policies: () => policySetAt(database(c.env), principal.policySetVersion), requestId: c.get("requestId") };
}

export const queryRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/v1/query",
    tags: ["SQL"],
    summary: "Run one SQL statement over the data layer",
    description:
      "One SQLite statement over the users' tables and the readable system tables (`_memory`, `_triggers`, `_branches`, `_agents`, " +
      "`_audit_log`, `_policy_denials`, `_cot`, `_agent_versions`, `_workflows`, `_workflow_revisions`, `_ab_tests`, `_ab_test_arms`, " +
      "`_events`, `_event_decisions`, `_event_types`, `_lifecycle_triggers`, `_trigger_decisions`, `_guard_rail_violations`). `NOW()`, `CURRENT_TIMESTAMP` and `<ts> ± INTERVAL 'n unit'` are rewritten to " +
      "the contract's ISO timestamps. Reading a table needs `query:read` on `table:<name>`; writing or changing its schema needs " +
      "`query:write`. Refused statement kinds (PRAGMA, ATTACH, VACUUM, triggers, transactions, …) and functions are 400; tables that " +
      "are never reachable (key material, writes to system tables, reserved names) are 403 and recorded as denials; SQL that does " +
      "not parse or that the database refuses is 422. Results stop at 10,000 rows or ~4 MiB with `truncated: true`. " +
      "System tables whose rows belong to someone (`_memory`, `_triggers`, `_cot`, `_audit_log`) show the caller only the rows it may read " +
      "through the REST API, wherever the statement reads them (joins, subqueries, CTEs, views). A statement whose work cannot be bounded " +
      "is 422 with `details.reason: unbounded_work` and says how to rewrite it: a recursive CTE needs `LIMIT n` (n ≤ 100,000), and " +
      "sources that run inside one another may make at most 10,000,000 row combinations.",
    request: { body: jsonBody(QueryRequestSchema) },
    responses: { 200: jsonResponse(QueryResultSchema, "The rows (or, for a write, RETURNING rows and `changes`)."), ...errorResponses("unprocessable", "guard_rail") },
  }),
  async (c) => {
    const { sql, params = [] } = c.req.valid("json");
    const db = c.env.DB;
    const guarded = await guardWithCatalog(db, sql, params).catch(async (err: unknown) => {
      if (err instanceof RefusedTableError) await recordRefusal(c, err);
      throw err;
    });
    const caller = callerOf(c);
    if (guarded.kind === "read") {
      // A read has no effect, so it starts alongside the authorisation; its rows are used only once allowed.
      const rows = callerStatement(db, guarded, params, caller).then((statement) =>
        runRead(db, { ...guarded, sql: statement.sql }, params).catch((err: unknown) => Promise.reject(statementFailure(statement, err))),
      );
      rows.catch(() => undefined); // a refusal wins; the discarded read must not surface as unhandled
      await authorizeTables(c, guarded.tables);
      return c.json(await rows, 200);
    }
    await authorizeTables(c, guarded.tables);
    // The guard rails' PII rule over the values the statement stores; a redaction is guarded again as written.
    const written = guarded.tables.find((t) => t.access !== "read")?.name ?? "-";
    const values = await guardSqlWrite(c, { action: "query:write", resource: `table:${written}`, what: "The statement" }, sql, params);
    const redacted = values.sql !== sql || values.params.some((p, i) => p !== params[i]);
    const change = redacted ? await guardWithCatalog(db, values.sql, values.params) : guarded;
    const statement = await callerStatement(db, change, values.params, caller);
    const result = await runChange(db, { ...change, sql: statement.sql }, values.params, auditContext(c)).catch((err: unknown) =>
      Promise.reject(statementFailure(statement, err)),
    );
    return c.json(result, 200);
  },
);
