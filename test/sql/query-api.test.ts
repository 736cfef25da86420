import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISO_MILLIS, api, auditRowsFor, count, expectError, invalidPaths, newAgent, newRequestId, uniqueId } from "../helpers";

const query = (sql: string, options: { key?: string; params?: unknown[]; requestId?: string } = {}) =>
  api("POST", "/v1/query", {
    key: options.key,
    body: options.params === undefined ? { sql } : { sql, params: options.params },
    headers: options.requestId ? { "x-request-id": options.requestId } : undefined,
  });

/** A user table name no other test uses. */
const tableName = (label = "t") => uniqueId(label).replace(/[^a-z0-9]/gi, "_");

async function denialsOf(agentId: string) {
  const { results } = await env.DB.prepare("SELECT action, resource, policy_id, reason FROM _policy_denials WHERE agent_id = ?").bind(agentId).all();
  return results;
}

describe("POST /v1/query", () => {
  it("creates a table, writes with params and reads back columns, rows, row_count, duration_ms and truncated", async () => {
    const t = tableName("notes");
    expect((await query(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, body TEXT, score REAL, flag INTEGER)`)).status).toBe(200);
    const written = await query(`INSERT INTO ${t} (body, score, flag) VALUES (?, ?, ?), (?2, ?1, NULL) RETURNING id`, { params: ["hello", 0.5, true] });
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ columns: ["id"], row_count: 2, changes: 2, truncated: false });

    const read = await query(`SELECT body, score, flag FROM ${t} ORDER BY id`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      columns: ["body", "score", "flag"],
      rows: [
        { body: "hello", score: 0.5, flag: 1 },
        { body: "0.5", score: "hello", flag: null },
      ],
      row_count: 2,
      duration_ms: expect.any(Number),
      truncated: false,
    });
  });

  it("names the columns of an empty result", async () => {
    const t = tableName("empty");
    await query(`CREATE TABLE ${t} (a TEXT, b INTEGER)`);
    const res = await query(`SELECT a, b FROM ${t}`);
    expect(res.body).toMatchObject({ columns: ["a", "b"], rows: [], row_count: 0, truncated: false });
  });

  it("audits writes and schema changes with the kind, the tables and the rows changed", async () => {
    const agent = await newAgent();
    const t = tableName("audited");
    const created = newRequestId("sql");
    expect((await query(`CREATE TABLE ${t} (a INTEGER)`, { key: agent.key, requestId: created })).status).toBe(200);
    const [schemaRow] = await auditRowsFor(created);
    expect(schemaRow).toMatchObject({ agent_id: agent.agentId, action: "query:write", resource: `table:${t.toLowerCase()}`, status: "success" });
    expect(JSON.parse(schemaRow!.details!)).toMatchObject({ kind: "schema", tables: [t.toLowerCase()] });

    await query(`INSERT INTO ${t} VALUES (1), (2), (3)`, { key: agent.key });
    const updated = newRequestId("sql");
    const res = await query(`UPDATE ${t} SET a = a * 10 WHERE a >= 2`, { key: agent.key, requestId: updated });
    expect(res.body).toMatchObject({ changes: 2, rows: [] });
    const [writeRow] = await auditRowsFor(updated);
    expect(JSON.parse(writeRow!.details!)).toMatchObject({ kind: "write", tables: [t.toLowerCase()], changes: 2 });

    const read = newRequestId("sql");
    await query(`SELECT * FROM ${t}`, { key: agent.key, requestId: read });
    expect(await auditRowsFor(read)).toEqual([]);
  });

  it("runs the supervisor's seed query verbatim: agents with more than 10 denials in the last hour, most first", async () => {
    const supervisor = await newAgent("reader");
    const [noisy, busy, quiet, old] = [uniqueId("noisy"), uniqueId("busy"), uniqueId("quiet"), uniqueId("old")];
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const rows: [string, string][] = [
      ...Array.from({ length: 14 }, (_, i): [string, string] => [noisy, ago(1 + i * 4)]),
      ...Array.from({ length: 11 }, (_, i): [string, string] => [busy, ago(2 + i * 5)]),
      ...Array.from({ length: 10 }, (_, i): [string, string] => [quiet, ago(3 + i)]),
      // 11 denials, but only 3 of them within the hour: 61 minutes ago is out
      ...Array.from({ length: 11 }, (_, i): [string, string] => [old, ago(i < 3 ? 30 : 61 + i)]),
    ];
    await env.DB.batch(
      rows.map(([agent, at], i) =>
        env.DB.prepare("INSERT INTO _policy_denials (denial_id, agent_id, action, resource, policy_id, reason, denied_at) VALUES (?, ?, 'memory:write', 'memory:kb', NULL, 'test', ?)").bind(
          `den_seed_${agent}_${i}`,
          agent,
          at,
        ),
      ),
    );
    const res = await query(
      "SELECT agent_id, COUNT(*) AS denied_queries, MAX(denied_at) AS last_denial FROM _policy_denials WHERE denied_at >= NOW() - INTERVAL '1 hour' GROUP BY agent_id HAVING COUNT(*) > 10 ORDER BY denied_queries DESC;",
      { key: supervisor.key },
    );
    expect(res.status).toBe(200);
    expect(res.body.columns).toEqual(["agent_id", "denied_queries", "last_denial"]);
    const mine = res.body.rows.filter((r: { agent_id: string }) => [noisy, busy, quiet, old].includes(r.agent_id));
    expect(mine).toEqual([
      { agent_id: noisy, denied_queries: 14, last_denial: rows[0]![1] },
      { agent_id: busy, denied_queries: 11, last_denial: rows[14]![1] },
    ]);
  });

  it("rewrites NOW(), CURRENT_TIMESTAMP and INTERVAL arithmetic into the contract's timestamps, never inside strings", async () => {
    const res = await query(
      "SELECT NOW() AS now, CURRENT_TIMESTAMP AS ts, NOW() - INTERVAL '90 minutes' AS earlier, '2026-01-01T00:00:00.000Z' + INTERVAL '1 day 02:30:00' AS later, 'NOW() - INTERVAL ''1 hour''' AS text",
    );
    expect(res.status).toBe(200);
    const [row] = res.body.rows;
    expect(row.now).toMatch(ISO_MILLIS);
    expect(row.ts).toMatch(ISO_MILLIS);
    expect(Date.parse(row.now) - Date.parse(row.earlier)).toBe(90 * 60_000);
    expect(Math.abs(Date.now() - Date.parse(row.now))).toBeLessThan(60_000);
    expect(row.later).toBe("2026-01-02T02:30:00.000Z");
    expect(row.text).toBe("NOW() - INTERVAL '1 hour'");
  });

  it("lets a reader read, including the readable system tables, and refuses its INSERT with a recorded denial", async () => {
    const t = tableName("shared");
    await query(`CREATE TABLE ${t} (a TEXT)`);
    const reader = await newAgent("reader");
    expect((await query(`SELECT * FROM ${t} JOIN _agents ON 1 = 0`, { key: reader.key })).status).toBe(200);
    for (const sql of [`INSERT INTO ${t} VALUES ('x')`, `WITH v AS (SELECT 'x' AS a) INSERT INTO ${t} SELECT a FROM v`, `DELETE FROM ${t}`, `DROP TABLE ${t}`]) {
      const res = await query(sql, { key: reader.key });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details).toMatchObject({ action: "query:write", resource: `table:${t.toLowerCase()}` });
    }
    expect(await count(`SELECT COUNT(*) AS n FROM ${t}`)).toBe(0);
    const denials = await denialsOf(reader.agentId);
    expect(denials).toHaveLength(4);
    expect(denials[0]).toMatchObject({ action: "query:write", resource: `table:${t.toLowerCase()}`, policy_id: null });
  });

  it("never lets SQL write a system table, whoever asks, and records the attempt", async () => {
    const agent = await newAgent();
    const before = await count("SELECT COUNT(*) AS n FROM _memory");
    for (const [key, sql] of [
      [agent.key, "INSERT INTO _memory (memory_id, agent_id, content, memory_type, importance, created_by, created_at) VALUES ('m', 'a', 'c', 'fact', 1, 'a', 'x')"],
      [agent.key, 'DELETE FROM "_MEMORY"'],
      [undefined, "UPDATE main.[_memory] SET content = 'x'"],
      [undefined, "DROP TABLE _policy_denials"],
      [undefined, "CREATE INDEX mine ON _memory (content)"],
    ] as const) {
      const res = await query(sql, { key });
      expectError(res, 403, "forbidden");
    }
    expect(await count("SELECT COUNT(*) AS n FROM _memory")).toBe(before);
    expect(await denialsOf(agent.agentId)).toHaveLength(2);
  });

  it("never lets anyone read key material, however it is spelled or reached", async () => {
    const agent = await newAgent();
    await env.DB.exec("CREATE VIEW IF NOT EXISTS operator_keys AS SELECT * FROM _agent_keys");
    for (const sql of [
      "SELECT * FROM _agent_keys",
      'SELECT key_hash FROM "_agent_keys"',
      "SELECT * FROM main.`_AGENT_KEYS`",
      "SELECT 1 WHERE 'x' IN (SELECT lookup FROM [_agent_keys])",
      "SELECT 1 WHERE 'x' IN _agent_keys",
      "SELECT * FROM operator_keys",
      "SELECT * FROM _idempotency_keys",
      "SELECT * FROM sqlite_sequence",
      "CREATE TABLE probe (h TEXT REFERENCES _agent_keys (key_hash))",
    ]) {
      for (const key of [agent.key, undefined]) {
        const res = await query(sql, { key });
        if (res.status !== 403) throw new Error(`${sql} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(await denialsOf(agent.agentId)).toHaveLength(9);
  });

  it("refuses reserved names for users' own tables, views and indexes", async () => {
    for (const sql of ["CREATE TABLE _mine (a)", "CREATE VIEW sqlite_x AS SELECT 1", "CREATE TABLE d1_migrations2 (a)"]) expectError(await query(sql), 403, "forbidden");
    const t = tableName("idx");
    await query(`CREATE TABLE ${t} (a)`);
    expectError(await query(`CREATE INDEX _hidden ON ${t} (a)`), 403, "forbidden");
    expectError(await query(`ALTER TABLE ${t} RENAME TO _renamed`), 403, "forbidden");
  });

  it("keeps every one of 25 concurrent writes, each with its audit row", async () => {
    const agent = await newAgent();
    const t = tableName("concurrent");
    await query(`CREATE TABLE ${t} (n INTEGER UNIQUE)`, { key: agent.key });
    const requestIds = Array.from({ length: 25 }, () => newRequestId("conc"));
    const results = await Promise.all(requestIds.map((requestId, n) => query(`INSERT INTO ${t} (n) VALUES (?)`, { key: agent.key, params: [n], requestId })));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
    expect(await count(`SELECT COUNT(DISTINCT n) AS n FROM ${t}`)).toBe(25);
    for (const requestId of requestIds) expect(await auditRowsFor(requestId)).toHaveLength(1);
  });

  it("follows a view to the tables it reads, so a view is no way around a refusal", async () => {
    const t = tableName("base");
    await query(`CREATE TABLE ${t} (a TEXT)`);
    await query(`INSERT INTO ${t} VALUES ('visible')`);
    const v = tableName("view");
    expect((await query(`CREATE VIEW ${v} AS SELECT a FROM ${t}`)).status).toBe(200);
    const reader = await newAgent("reader");
    const res = await query(`SELECT * FROM ${v}`, { key: reader.key });
    expect(res.body.rows).toEqual([{ a: "visible" }]);
    expectError(await query(`CREATE VIEW sneaky AS SELECT key_hash FROM _agent_keys`), 403, "forbidden");
  });

  it("caps results at 10,000 rows and about 4 MiB, and says so", async () => {
    const t = tableName("big");
    await query(`CREATE TABLE ${t} (n INTEGER)`);
    await query(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10050 LIMIT 10050) INSERT INTO ${t} SELECT x FROM c`);
    const all = await query(`SELECT n FROM ${t} ORDER BY n`);
    expect(all.body).toMatchObject({ row_count: 10_000, truncated: true });
    expect(all.body.rows.at(-1)).toEqual({ n: 10_000 });
    const limited = await query(`SELECT n FROM ${t} ORDER BY n LIMIT 20000`);
    expect(limited.body).toMatchObject({ row_count: 10_000, truncated: true });
    const exact = await query(`SELECT n FROM ${t} LIMIT 10000`);
    expect(exact.body).toMatchObject({ row_count: 10_000, truncated: false });
    const wide = await query(`SELECT n, hex(zeroblob(500000)) AS pad FROM ${t} LIMIT 6`);
    expect(wide.body).toMatchObject({ row_count: 4, truncated: true });
  });

  describe("bad input: a clear 4xx, nothing stored", () => {
    it("refuses an empty, missing or non-string sql and unknown fields with 400 naming the field", async () => {
      expect(invalidPaths(await query(""))).toEqual(["sql"]);
      expect(invalidPaths(await api("POST", "/v1/query", { body: {} }))).toEqual(["sql"]);
      expect(invalidPaths(await api("POST", "/v1/query", { body: { sql: 1 } }))).toEqual(["sql"]);
      expect(invalidPaths(await api("POST", "/v1/query", { body: { sql: "SELECT 1", extra: 1 } }))).toEqual(["extra"]);
      expect(invalidPaths(await query("   -- nothing"))).toEqual(["sql"]);
    });

    it("refuses two statements, but not a trailing semicolon", async () => {
      const t = tableName("chain");
      await query(`CREATE TABLE ${t} (a)`);
      expectError(await query(`SELECT 1; DROP TABLE ${t}`), 400, "invalid_request");
      expectError(await query(`SELECT 1;;SELECT 2`), 400, "invalid_request");
      expect((await query(`SELECT * FROM ${t};`)).status).toBe(200);
    });

    it("answers SQL that does not parse with 422 and the parser's message", async () => {
      const res = await query("SELEC * FROM nowhere");
      expectError(res, 422, "unprocessable");
      expect(res.body.error.message).toMatch(/does not parse.*Unexpected/s);
    });

    it("refuses PRAGMA, ATTACH, VACUUM, triggers, transactions and outside functions with 400", async () => {
      for (const sql of [
        "PRAGMA foreign_keys = OFF",
        "ATTACH DATABASE 'x.db' AS x",
        "DETACH x",
        "VACUUM",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "BEGIN",
        "SELECT load_extension('evil')",
        "SELECT * FROM pragma_table_info('_agent_keys')",
        "CREATE VIRTUAL TABLE v USING fts5(a)",
        "SELECT * FROM temp.sqlite_master",
      ]) {
        const res = await query(sql);
        if (res.status !== 400) throw new Error(`${sql} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    });

    it("refuses params of the wrong type or number with 400", async () => {
      expect(invalidPaths(await query("SELECT ?", { params: [{ a: 1 }] }))).toEqual(["params[0]"]);
      expect(invalidPaths(await query("SELECT ?", { params: [[1]] }))).toEqual(["params[0]"]);
      expect(invalidPaths(await api("POST", "/v1/query", { body: { sql: "SELECT ?", params: { a: 1 } } }))).toEqual(["params"]);
      expect(invalidPaths(await query("SELECT ?, ?", { params: [1] }))).toEqual(["params"]);
      expect(invalidPaths(await query("SELECT 1", { params: [1] }))).toEqual(["params"]);
      expect(invalidPaths(await query("SELECT :name", { params: [1] }))).toEqual(["sql"]);
    });

    it("answers what the database refuses with 422 and its message, never a 5xx", async () => {
      const missing = await query("SELECT * FROM no_such_table_here");
      expectError(missing, 422, "unprocessable");
      expect(missing.body.error.message).toContain("no such table: no_such_table_here");
      const t = tableName("unique");
      await query(`CREATE TABLE ${t} (a INTEGER PRIMARY KEY)`);
      await query(`INSERT INTO ${t} VALUES (1)`);
      const dup = newRequestId("dup");
      const res = await query(`INSERT INTO ${t} VALUES (1)`, { requestId: dup });
      expectError(res, 422, "unprocessable");
      expect(res.body.error.message).toContain("UNIQUE constraint failed");
      expect(await auditRowsFor(dup)).toEqual([]);
      expectError(await query("SELECT json_extract('{', '$')"), 422, "unprocessable");
    });
  });
});
