import { ApiError } from "../http/errors";
import { guardSql } from "../sql/guard";
import { isSystemTable } from "./sql-text";

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
  const guarded = guardSql(text);
  const system = guarded.tables.find((t) => isSystemTable(t.name) || t.name.toLowerCase().startsWith("sqlite_"));
  if (system)
    throw new ApiError("invalid_request", `Branches hold users' tables only; read '${system.name}' on main with POST /v1/query.`, [{ path: "sql", message: `names system table '${system.name}'` }]);
  return { kind: guarded.kind, sql: guarded.sql, tables: guarded.tables.map((t) => ({ name: t.name, access: t.access === "read" ? "read" : "write" })) };
}
