import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { permits } from "../authz/authorize";
import { notFound } from "../http/errors";
import { errorResponses, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { RefusedTableError } from "../sql/guard-errors";
import { recordRefusal } from "../sql/record-refusal";
import { foldName, readRefusal } from "../sql/sql-names";
import { describeTable, queryableTables, tableRead } from "../sql/table-catalog";

const tags = ["SQL"];
const TableKindSchema = z.enum(["table", "view", "system", "alias"]).openapi({
  description: "`table` and `view`: the users' own; `system`: Switchyard's readable system tables; `alias`: HatiData's name for one of them.",
});

const TableListSchema = z
  .object({ items: z.array(z.object({ table_name: z.string(), kind: TableKindSchema })), next_cursor: z.null() })
  .openapi("TableList");

const TableDescriptionSchema = z
  .object({
    table_name: z.string(),
    kind: TableKindSchema,
    columns: z.array(
      z.object({
        column_name: z.string(),
        data_type: z.string().openapi({ description: "The declared type; empty where none is declared (view columns)." }),
        is_nullable: z.enum(["YES", "NO"]),
        primary_key: z.boolean(),
      }),
    ),
  })
  .openapi("TableDescription");

const TablePath = z.object({ table_name: z.string().min(1).max(128).openapi({ example: "revenue_forecast" }) });

export const tableRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tables",
      tags,
      summary: "List the tables and views the caller may query",
      description:
        "Every table and view SQL may read, with Switchyard's readable system tables and HatiData's aliases of them, in name order, " +
        "each one listed only if the caller may `query:read` it (the alias as its system table). Leaving a table out is not a refusal: nothing is recorded.",
      responses: { 200: jsonResponse(TableListSchema, "The tables, all on one page."), ...errorResponses() },
    }),
    async (c) => {
      const entries = await queryableTables(c.env.DB);
      const allowed = await Promise.all(entries.map((e) => permits(c, "query:read", { type: "table", id: tableRead(e.table_name) })));
      return c.json({ items: entries.filter((_, i) => allowed[i]), next_cursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/tables/{table_name}",
      tags,
      summary: "Describe a table's columns",
      description:
        "Authorised as a read of the table (`query:read` on `table:<name>`; an alias as its system table), so a refusal is recorded like a query's. " +
        "Tables internal to Switchyard or SQLite are 403, as in SQL.",
      request: { params: TablePath },
      responses: { 200: jsonResponse(TableDescriptionSchema, "The columns, in order."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { table_name } = c.req.valid("param");
      const refusal = readRefusal(table_name);
      if (refusal) {
        const err = new RefusedTableError(foldName(table_name), "query:read", refusal);
        await recordRefusal(c, err);
        throw err;
      }
      await authorize(c, "query:read", { type: "table", id: tableRead(table_name) });
      const described = await describeTable(c.env.DB, table_name);
      if (!described) throw notFound("Table", table_name);
      return c.json({ table_name, ...described }, 200);
    },
  );
