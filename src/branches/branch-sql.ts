import { ApiError } from "../http/errors";
import { guardSql } from "../sql/guard";
import { isReservedName } from "../sql/sql-names";
import { MAX_RESULT_ROWS } from "../../durable-objects/branch/query";

export interface BranchStatement {
  kind: "read" | "write" | "schema";
  sql: string;
  tables: { name: string; access: "read" | "write" }[];
}

/**
 * Branch SQL passes the same guard as `POST /v1/query`. System tables (and SQLite's catalog) are main's
 * alone: a branch copies users' tables only, so a statement naming one is sent to `/v1/query` instead.
 */
export function guardBranchSql(text: string): BranchStatement {
  // One row past the cap tells the branch the answer was truncated.
  const guarded = guardSql(text, { rowLimit: MAX_RESULT_ROWS + 1 });
  const system = guarded.tables.find((t) => isReservedName(t.name));
  if (system)
    throw new ApiError("invalid_request", `Branches hold users' tables only; read '${system.name}' on main with POST /v1/query.`, [{ path: "sql", message: `names system table '${system.name}'` }]);
  return { kind: guarded.kind, sql: guarded.sql, tables: guarded.tables.map((t) => ({ name: t.name, access: t.access === "read" ? "read" : "write" })) };
}
