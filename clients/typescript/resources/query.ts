import type * as wire from "../api-types.ts";
import type { RequestOptions, Transport } from "../transport.ts";

/** A placeholder's value: a JSON scalar (booleans bind as 1 and 0). */
export type QueryParam = wire.SqlParam;
/** What `POST /v1/query` takes. */
export type QueryInput = wire.QueryRequestInput;
/**
 * A query's answer. `R` is the row shape the caller expects (the client does not check it): one object
 * per row keyed by column, capped at 10,000 rows / ~4 MiB with `truncated: true`.
 */
export type QueryResult<R = Record<string, unknown>> = Omit<wire.QueryResult, "rows"> & { rows: R[] };

/** `POST /v1/query`. Reads are repeated after a lost answer; writes are not, since they may have landed. */
export function runQuery<R>(transport: Transport, sql: string, params: readonly QueryParam[] | undefined, options?: RequestOptions): Promise<QueryResult<R>> {
  const readOnly = /^\s*(select|with|values|explain)\b/i.test(sql) && !/\b(insert|update|delete|replace|create|drop|alter)\b/i.test(sql);
  return transport.request({
    method: "POST",
    path: "/v1/query",
    body: params === undefined ? { sql } : { sql, params },
    replayable: readOnly,
    options,
  });
}
