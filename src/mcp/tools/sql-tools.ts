import { z } from "zod";
import { ApiError } from "../../http/errors";
import { guardSql } from "../../sql/guard";
import type { QueryResult } from "../../sql/query-result";
import { segment } from "../rest-client";
import { CHANGES, READS, ToolOutput, defineTool } from "../tool";
import { sql, sqlParams } from "./arguments";

/** The rows as HatiData's clients read them (a bare array), and the whole answer as structured content. */
const rowsOf = (result: QueryResult) => new ToolOutput(result.rows, { ...result });

const RESULT =
  "Returns a JSON array of row objects keyed by column; structuredContent is {rows, columns, row_count, truncated (past 10,000 rows or ~4 MiB), duration_ms";

export const query = defineTool({
  name: "query",
  title: "Run SQL on the data layer",
  description:
    "Run one SQLite statement over the shared data layer: the users' tables and the readable system tables (_memory, _triggers, _branches, _agents, " +
    "_audit_log, _policy_denials, _cot, and HatiData's names _hatidata_memory, _hatidata_audit_log, _hatidata_policy_denials, _hatidata_cot). " +
    "Reads need query:read on each table, writes and schema changes query:write; system tables are never writable. " +
    "Prefer read_query when you only read. " +
    `${RESULT}, and changes for a write}.`,
  input: z.strictObject({ sql, params: sqlParams }),
  annotations: CHANGES,
  listKey: "rows",
  run: async (body, { rest }) => rowsOf(await rest.post<QueryResult>("/v1/query", { body })),
});

export const readQuery = defineTool({
  name: "read_query",
  title: "Run a read-only SQL query",
  description:
    "Run one read-only SQLite statement (SELECT, WITH … SELECT, EXPLAIN QUERY PLAN) over the shared data layer; anything that would change data is " +
    "refused before it runs. Same tables and permissions as query. " +
    `${RESULT}}.`,
  input: z.strictObject({ sql, params: sqlParams }),
  annotations: READS,
  listKey: "rows",
  run: async (body, { rest }) => {
    let kind: string | undefined;
    try {
      kind = guardSql(body.sql).kind;
    } catch {
      // The REST route reports (and, for a refused table, records) what is wrong with the SQL: let it.
    }
    if (kind !== undefined && kind !== "read")
      throw new ApiError("invalid_request", "read_query runs reads only (SELECT, WITH … SELECT, EXPLAIN QUERY PLAN); use query to change data.", [
        { path: "sql", message: `is a ${kind === "write" ? "write" : "schema change"}, not a read` },
      ]);
    return rowsOf(await rest.post<QueryResult>("/v1/query", { body }));
  },
});

export const listTables = defineTool({
  name: "list_tables",
  title: "List the tables you can query",
  description:
    "List the tables and views you may read with SQL: the users' own, the readable system tables, and HatiData's names for them. " +
    "Returns a JSON array of table names, in name order; structuredContent wraps it as {items}.",
  input: z.strictObject({}),
  annotations: READS,
  listKey: "items",
  run: async (_args, { rest }) => {
    const { items } = await rest.get<{ items: { table_name: string }[] }>("/v1/tables");
    return items.map((t) => t.table_name);
  },
});

export const describeTable = defineTool({
  name: "describe_table",
  title: "Describe a table's columns",
  description:
    "Get a table's (or view's) columns before writing SQL against it. Returns a JSON array of {column_name, data_type, is_nullable (YES or NO), " +
    "primary_key}, in column order; structuredContent wraps it as {items}.",
  input: z.strictObject({ table_name: z.string().min(1).max(128).describe("The table or view, as list_tables names it.") }),
  annotations: READS,
  listKey: "items",
  run: async ({ table_name }, { rest }) => {
    const { columns } = await rest.get<{ columns: unknown[] }>(`/v1/tables/${segment(table_name)}`);
    return columns;
  },
});

export const SQL_TOOLS = [query, readQuery, listTables, describeTable];
