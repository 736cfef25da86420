import { env } from "cloudflare:workers";
import { api, uniqueId } from "../helpers";

/** A users' table on main, created the way `POST /v1/query` would: straight in D1. */
export async function mainTable(ddl: (name: string) => string, rows: unknown[][] = [], prefix = "t") {
  const name = uniqueId(prefix).replace(/[^a-z0-9]/gi, "_");
  await env.DB.prepare(ddl(name)).run();
  if (rows.length > 0) {
    const width = rows[0]!.length;
    await env.DB.batch(rows.map((r) => env.DB.prepare(`INSERT INTO "${name}" VALUES (${Array(width).fill("?").join(", ")})`).bind(...r)));
  }
  return name;
}

export async function mainRows(table: string, orderBy = "1") {
  const { results } = await env.DB.prepare(`SELECT * FROM "${table}" ORDER BY ${orderBy}`).all();
  return results;
}

export async function newBranch(key?: string, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/v1/branches", { key, body: { label: uniqueId("br"), ...body } });
  if (res.status !== 201) throw new Error(`branch not created: ${JSON.stringify(res.body)}`);
  return res.body.branch_id as string;
}

export const branchQuery = (id: string, sql: string, params?: unknown[], key?: string) => api("POST", `/v1/branches/${id}/query`, { key, body: { sql, params } });
export const branchWrite = (id: string, table: string, rows: unknown[], mode?: string, key?: string) => api("POST", `/v1/branches/${id}/write`, { key, body: { table, rows, mode } });
export const merge = (id: string, body: Record<string, unknown>, key?: string) => api("POST", `/v1/branches/${id}/merge`, { key, body });
