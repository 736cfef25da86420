// PLACEHOLDER until branch `sql` lands its guard (same interface); replaced by that file on merge.
import { ApiError } from "../http/errors";

export interface GuardedStatement {
  kind: "read" | "write" | "schema";
  tables: { name: string; access: "read" | "write" | "schema" }[];
  sql: string;
}

export function guardSql(sql: string, _options: { views?: unknown } = {}): GuardedStatement {
  const text = sql.trim().replace(/;\s*$/, "");
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "";
  const names = [...text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/gi)].map((m) => m[1]!);
  if (!["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER"].includes(verb)) throw new ApiError("invalid_request", "unsupported statement", [{ path: "sql", message: "unsupported" }]);
  const kind = verb === "SELECT" || verb === "WITH" ? "read" : verb === "CREATE" || verb === "ALTER" ? "schema" : "write";
  const writeTarget = kind === "read" ? undefined : /\b(?:INTO|UPDATE|TABLE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(text)?.[1] ?? /\bDELETE\s+FROM\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(text)?.[1];
  return { kind, sql: text, tables: [...new Set(names)].map((name) => ({ name, access: name === writeTarget ? (kind === "schema" ? "schema" : "write") : "read" })) };
}
