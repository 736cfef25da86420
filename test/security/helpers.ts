import { env } from "cloudflare:workers";
import { type ApiResponse, api, uniqueId } from "../helpers";

/** `POST /v1/query` as `key` (the admin token when absent). */
export const query = (sql: string, options: { key?: string; params?: unknown[] } = {}): Promise<ApiResponse> =>
  api("POST", "/v1/query", { key: options.key, body: options.params === undefined ? { sql } : { sql, params: options.params } });

/** `POST /v1/branches/{id}/query`. */
export const branchQuery = (branchId: string, sql: string, options: { key?: string; params?: unknown[] } = {}): Promise<ApiResponse> =>
  api("POST", `/v1/branches/${branchId}/query`, { key: options.key, body: options.params === undefined ? { sql } : { sql, params: options.params } });

/** A user table (or namespace) name no other test uses, safe in SQL unquoted. */
export const uniqueName = (label = "t") => uniqueId(label).replace(/[^a-z0-9]/gi, "_");

export async function storeMemory(key: string, namespace: string, content: string): Promise<string> {
  const res = await api("POST", "/v1/memory", { key, body: { agent_id: namespace, content } });
  if (res.status !== 201) throw new Error(`store failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.memory_id as string;
}

/** The distinct values of one column in a query's answer. */
export function valuesOf(res: ApiResponse, column: string): string[] {
  if (res.status !== 200) throw new Error(`query failed: ${res.status} ${JSON.stringify(res.body)}`);
  return [...new Set((res.body.rows as Record<string, unknown>[]).map((r) => String(r[column])))].sort();
}

export async function denialsOf(agentId: string) {
  const { results } = await env.DB.prepare("SELECT action, resource, policy_id FROM _policy_denials WHERE agent_id = ?").bind(agentId).all();
  return results;
}
