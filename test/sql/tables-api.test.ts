import { describe, expect, it } from "vitest";
import { api, expectError, newAgent } from "../helpers";

describe("GET /v1/tables and /v1/tables/{table_name}", () => {
  it("lists the queryable tables with their kind, in name order, on one page", async () => {
    const agent = await newAgent();
    const table = `tables_api_${Date.now().toString(36)}`;
    expect((await api("POST", "/v1/query", { key: agent.key, body: { sql: `CREATE TABLE ${table} (id TEXT PRIMARY KEY, n INTEGER)` } })).status).toBe(200);
    expect((await api("POST", "/v1/query", { key: agent.key, body: { sql: `CREATE VIEW ${table}_v AS SELECT n FROM ${table}` } })).status).toBe(200);
    const res = await api("GET", "/v1/tables", { key: agent.key });
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    const kinds = Object.fromEntries(res.body.items.map((t: { table_name: string; kind: string }) => [t.table_name, t.kind]));
    expect(kinds).toMatchObject({ [table]: "table", [`${table}_v`]: "view", _memory: "system", _cot: "system", _hatidata_memory: "alias", _hatidata_policy_denials: "alias" });
    expect(Object.keys(kinds)).not.toEqual(expect.arrayContaining(["_agent_keys"]));
    expect(Object.keys(kinds).some((name) => name.startsWith("sqlite_") || name.startsWith("d1_") || name === "_idempotency_keys")).toBe(false);

    const view = await api("GET", `/v1/tables/${table}_v`, { key: agent.key });
    expect(view.body).toEqual({ table_name: `${table}_v`, kind: "view", columns: [{ column_name: "n", data_type: "INTEGER", is_nullable: "YES", primary_key: false }] });
  });

  it("describes an alias as its system table's columns plus HatiData's names", async () => {
    const agent = await newAgent("reader");
    const res = await api("GET", "/v1/tables/_HATIDATA_MEMORY", { key: agent.key });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe("alias");
    const columns = res.body.columns.map((c: { column_name: string }) => c.column_name);
    expect(columns.slice(0, 2)).toEqual(["memory_id", "agent_id"]);
    expect(columns.slice(-2)).toEqual(["last_accessed", "updated_at"]);
    expect(res.body.columns.at(-1)).toMatchObject({ data_type: "TEXT", is_nullable: "NO" });
  });

  it("needs a key, refuses internal tables with a recorded 403, and 404s what does not exist", async () => {
    expectError(await api("GET", "/v1/tables", { key: null }), 401, "unauthorized");
    const agent = await newAgent();
    const refused = await api("GET", "/v1/tables/_agent_keys", { key: agent.key });
    expectError(refused, 403, "forbidden");
    expect(refused.body.error.details).toMatchObject({ resource: "table:_agent_keys", policy_id: null });
    expectError(await api("GET", "/v1/tables/nope_not_here", { key: agent.key }), 404, "not_found");
  });
});
