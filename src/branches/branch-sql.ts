import { ApiError } from "../http/errors";
import { type GuardedSql } from "../sql/guard";
import { guardWithCatalog } from "../sql/run-query";
import type { SqlParam } from "../sql/schemas";
import { isReservedName } from "../sql/sql-names";

/**
 * Branch SQL passes the same guard as `POST /v1/query` (with main's catalog, so views are followed to
 * the tables they read, and the placeholders are counted). System tables and SQLite's catalog are main's
 * alone: a branch copies users' tables only, so a statement naming one is sent to `/v1/query` instead.
 */
export async function guardBranchSql(db: D1Database, text: string, params: readonly SqlParam[]): Promise<GuardedSql> {
  const guarded = await guardWithCatalog(db, text, params);
  const system = guarded.tables.find((t) => isReservedName(t.name));
  if (system)
    throw new ApiError("invalid_request", `Branches hold users' tables only; read '${system.name}' on main with POST /v1/query.`, [{ path: "sql", message: `names system table '${system.name}'` }]);
  return guarded;
}
