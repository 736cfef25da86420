import { z } from "@hono/zod-openapi";
import { MAX_SQL_LENGTH } from "./limits";

/** D1 binds at most 100 values per statement. */
export const MAX_PARAMS = 100;

export const SqlParamSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]).openapi({
  description: "A JSON scalar. Booleans bind as 1 and 0, as SQLite stores them.",
});
export type SqlParam = z.infer<typeof SqlParamSchema>;

export const QueryRequestSchema = z
  .strictObject({
    sql: z
      .string()
      .min(1, "sql must not be empty")
      .max(MAX_SQL_LENGTH, `sql must be at most ${MAX_SQL_LENGTH} characters`)
      .openapi({
        description:
          "One SQLite statement (a trailing ; is fine), plus Postgres's NOW(), CURRENT_TIMESTAMP and `<ts> ± INTERVAL 'n unit'`. " +
          "Placeholders: `?` or `?NNN`.",
        example: "SELECT agent_id, COUNT(*) AS denied FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id",
      }),
    params: z
      .array(SqlParamSchema)
      .max(MAX_PARAMS, `params may hold at most ${MAX_PARAMS} values`)
      .optional()
      .openapi({ description: "Positional values for the placeholders, in order (`?NNN` takes the NNNth).", example: [] }),
  })
  .openapi("QueryRequest");

const SqlValueSchema = z.union([z.string(), z.number(), z.null(), z.array(z.number())]).openapi({
  description: "A column value; a BLOB is an array of byte values.",
});

export const QueryResultSchema = z
  .object({
    columns: z.array(z.string()).openapi({ description: "Result columns, in order." }),
    rows: z.array(z.record(z.string(), SqlValueSchema)).openapi({ description: "One object per row, keyed by column." }),
    row_count: z.number().int().openapi({ description: "Rows in `rows`." }),
    duration_ms: z.number().openapi({ description: "Time the database took, as seen by the Worker." }),
    truncated: z.boolean().openapi({ description: "True when more rows existed than the caps (10,000 rows, ~4 MiB) let through." }),
    changes: z.number().int().optional().openapi({ description: "Rows inserted, updated or deleted, for a write." }),
  })
  .openapi("QueryResult");
