import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, newAgent } from "../helpers";
import { withPolicy } from "../policy/helpers";
import { query, storeMemory, uniqueName, valuesOf } from "./helpers";

// Issue 11, item 1: the rows of protected system tables (_memory, _triggers, _cot, _audit_log) reach a
// caller through SQL only where the REST API would show them, whatever the statement wraps them in.

async function twoAgentsWithSecrets() {
  const [alice, bob, reader] = await Promise.all([newAgent(), newAgent(), newAgent("reader")]);
  const shared = uniqueName("kb");
  await storeMemory(alice.key, alice.agentId, "alice private: the acquisition closes on Friday");
  await storeMemory(bob.key, bob.agentId, "bob private: salary band for the new hire");
  await storeMemory(alice.key, shared, "shared: the Q3 roadmap is public");
  return { alice, bob, reader, shared };
}

describe("private memories through SQL", () => {
  it("shows an agent its own and shared namespaces, never another agent's private one", async () => {
    const { alice, bob, shared } = await twoAgentsWithSecrets();
    const seen = valuesOf(await query("SELECT agent_id, content FROM _memory", { key: bob.key }), "agent_id");
    expect(seen).toContain(bob.agentId);
    expect(seen).toContain(shared);
    expect(seen).not.toContain(alice.agentId);
    // The REST API agrees: the same memory is a 403 there.
    const [secret] = (await env.DB.prepare("SELECT memory_id FROM _memory WHERE agent_id = ?").bind(alice.agentId).all<{ memory_id: string }>()).results;
    expectError(await api("GET", `/v1/memory/${secret!.memory_id}`, { key: bob.key }), 403, "forbidden");
  });

  it("filters every way of reading _memory: aliases, joins, subqueries, CTEs, unions, IN, aggregates, main.", async () => {
    const { alice, bob } = await twoAgentsWithSecrets();
    const a = alice.agentId;
    const statements: [string, unknown[]][] = [
      ["SELECT content FROM _memory WHERE agent_id = ?", [a]],
      ["SELECT m.content FROM main._memory AS m WHERE m.agent_id = ?", [a]],
      ['SELECT content FROM "_MEMORY" WHERE agent_id = ?', [a]],
      ["SELECT x.content FROM _agents g JOIN _memory x ON x.agent_id = g.agent_id WHERE g.agent_id = ?", [a]],
      ["SELECT content FROM (SELECT * FROM _memory) WHERE agent_id = ?", [a]],
      ["WITH m AS (SELECT * FROM _memory WHERE agent_id = ?) SELECT content FROM m", [a]],
      ["SELECT 'x' AS content FROM _agents WHERE EXISTS (SELECT 1 FROM _memory WHERE agent_id = ?) LIMIT 1", [a]],
      ["SELECT (SELECT content FROM _memory WHERE agent_id = ?) AS content", [a]],
      ["SELECT content FROM _memory WHERE agent_id = ? UNION ALL SELECT content FROM _memory WHERE agent_id = ?", [a, a]],
      ["SELECT group_concat(content) AS content FROM _memory WHERE agent_id = ?", [a]],
      ["SELECT count(*) AS content FROM _memory WHERE agent_id = ? HAVING count(*) > 0", [a]],
      ["SELECT memory_id AS content FROM _memory WHERE memory_id IN (SELECT memory_id FROM _memory WHERE agent_id = ?)", [a]],
    ];
    for (const [sql, params] of statements) {
      const res = await query(sql, { key: bob.key, params });
      expect(res.status, sql).toBe(200);
      expect(res.body.rows.filter((r: { content: unknown }) => r.content !== null), sql).toEqual([]);
    }
    // The owner sees them through the same statements.
    const own = await query("SELECT content FROM _memory WHERE agent_id = ?", { key: alice.key, params: [a] });
    expect(own.body.row_count).toBe(1);
  });

  it("filters views over _memory, however they nest, and views created before the reader asks", async () => {
    const { alice, bob } = await twoAgentsWithSecrets();
    const v1 = uniqueName("all_memories");
    const v2 = uniqueName("memory_texts");
    expect((await query(`CREATE VIEW ${v1} AS SELECT agent_id, content FROM _memory`, { key: alice.key })).status).toBe(200);
    expect((await query(`CREATE VIEW ${v2} (who, what) AS SELECT agent_id, content FROM ${v1}`, { key: alice.key })).status).toBe(200);
    expect(valuesOf(await query(`SELECT agent_id FROM ${v1}`, { key: bob.key }), "agent_id")).not.toContain(alice.agentId);
    expect(valuesOf(await query(`SELECT who FROM ${v2}`, { key: bob.key }), "who")).not.toContain(alice.agentId);
    expect(valuesOf(await query(`SELECT who FROM ${v2} WHERE who IN (SELECT agent_id FROM ${v1})`, { key: bob.key }), "who")).not.toContain(alice.agentId);
    // The view's creator sees its own namespace through it; the view itself shows each caller its own rows.
    expect(valuesOf(await query(`SELECT agent_id FROM ${v1}`, { key: alice.key }), "agent_id")).toContain(alice.agentId);
    expect(valuesOf(await query(`SELECT agent_id FROM ${v1}`, { key: alice.key }), "agent_id")).not.toContain(bob.agentId);
  });

  it("copies only the caller's rows into its own tables (CREATE TABLE AS, INSERT ... SELECT)", async () => {
    const { alice, bob } = await twoAgentsWithSecrets();
    const copy = uniqueName("copy");
    const into = uniqueName("into");
    expect((await query(`CREATE TABLE ${copy} AS SELECT agent_id, content FROM _memory`, { key: bob.key })).status).toBe(200);
    expect((await query(`CREATE TABLE ${into} (agent_id TEXT, content TEXT)`, { key: bob.key })).status).toBe(200);
    expect((await query(`INSERT INTO ${into} SELECT agent_id, content FROM _memory WHERE agent_id = ?`, { key: bob.key, params: [alice.agentId] })).status).toBe(200);
    const leaked = await env.DB.prepare(`SELECT (SELECT count(*) FROM ${copy} WHERE agent_id = ?1) + (SELECT count(*) FROM ${into}) AS n`).bind(alice.agentId).first<{ n: number }>();
    expect(leaked?.n).toBe(0);
  });

  it("never evaluates a caller's expressions over rows it may not see (no error oracle)", async () => {
    const { alice, bob } = await twoAgentsWithSecrets();
    // Overflows, and so fails the statement, only on a row whose content is alice's secret.
    const poison = "CASE WHEN content LIKE 'alice private%' THEN abs(-9223372036854775808) END IS NULL";
    for (const sql of [
      `SELECT memory_id FROM _memory WHERE ${poison}`,
      `SELECT memory_id FROM _memory WHERE agent_id = '${alice.agentId}' AND ${poison}`,
      `SELECT m.memory_id FROM _memory m JOIN _agents a ON a.agent_id = m.agent_id WHERE ${poison}`,
    ]) {
      const res = await query(sql, { key: bob.key });
      expect(res.status, sql).toBe(200);
    }
    expect((await query(`SELECT memory_id FROM _memory WHERE ${poison}`, { key: alice.key })).status).toBe(422);
  });

  it("hides private namespaces from readers, shows everything to the admin token", async () => {
    const { alice, bob, reader, shared } = await twoAgentsWithSecrets();
    const forReader = valuesOf(await query("SELECT agent_id FROM _memory", { key: reader.key }), "agent_id");
    expect(forReader).toContain(shared);
    expect(forReader).not.toContain(alice.agentId);
    expect(forReader).not.toContain(bob.agentId);
    const forAdmin = valuesOf(await query("SELECT agent_id FROM _memory"), "agent_id");
    expect(forAdmin).toEqual(expect.arrayContaining([alice.agentId, bob.agentId, shared]));
  });

  it("decides with the policies as GET /v1/memory/{id} does: an allow shares a private namespace, a deny hides a shared one", async () => {
    const { alice, bob, shared } = await twoAgentsWithSecrets();
    await withPolicy({ effect: "allow", actions: ["memory:read"], resources: [`memory:${alice.agentId}`], principals: [bob.agentId] }, async () => {
      expect(valuesOf(await query("SELECT agent_id FROM _memory", { key: bob.key }), "agent_id")).toContain(alice.agentId);
    });
    await withPolicy({ effect: "deny", actions: ["memory:read"], resources: [`memory:${shared}`], condition: `subject.agent_id == "${bob.agentId}"` }, async () => {
      const seen = valuesOf(await query("SELECT agent_id FROM _memory", { key: bob.key }), "agent_id");
      expect(seen).not.toContain(shared);
      expect(seen).not.toContain(alice.agentId);
      expect(seen).toContain(bob.agentId);
      // alice is not the subject of the deny: she still sees the shared namespace.
      expect(valuesOf(await query("SELECT agent_id FROM _memory", { key: alice.key }), "agent_id")).toContain(shared);
    });
  });

  it("refuses the places a filtered subquery cannot stand: INDEXED BY, and foreign keys to protected tables", async () => {
    const { bob } = await twoAgentsWithSecrets();
    expectError(await query("SELECT * FROM _memory INDEXED BY _memory_namespace_id", { key: bob.key }), 400, "invalid_request");
    expectError(await query(`CREATE TABLE ${uniqueName("fk")} (m TEXT REFERENCES _memory (memory_id))`, { key: bob.key }), 400, "invalid_request");
  });
});

describe("the other protected system tables", () => {
  it("hides triggers that listen to another agent's private namespace", async () => {
    const [alice, bob] = await Promise.all([newAgent(), newAgent()]);
    const created = await api("POST", "/v1/triggers", {
      key: alice.key,
      body: { name: "mine", concept: "acquisitions", threshold: 0.5, action: { type: "write_event" }, namespaces: [alice.agentId] },
    });
    expect(created.status).toBe(201);
    const id = created.body.trigger_id as string;
    expect((await query("SELECT trigger_id FROM _triggers WHERE trigger_id = ?", { key: bob.key, params: [id] })).body.rows).toEqual([]);
    expect((await query("SELECT trigger_id FROM _triggers WHERE trigger_id = ?", { key: alice.key, params: [id] })).body.rows).toEqual([{ trigger_id: id }]);
  });

  it("hides chain-of-thought sessions a cot:read policy denies", async () => {
    const [alice, bob] = await Promise.all([newAgent(), newAgent()]);
    const session = uniqueName("sess");
    expect((await api("POST", "/v1/cot", { key: alice.key, body: { session_id: session, step_type: "observation", content: "board minutes" } })).status).toBe(201);
    expect((await query("SELECT content FROM _cot WHERE session_id = ?", { key: bob.key, params: [session] })).body.row_count).toBe(1);
    await withPolicy({ effect: "deny", actions: ["cot:read"], resources: [`cot:${session}`], principals: [bob.agentId] }, async () => {
      expectError(await api("GET", `/v1/cot/${session}`, { key: bob.key }), 403, "forbidden");
      expect((await query("SELECT content FROM _cot WHERE session_id = ?", { key: bob.key, params: [session] })).body.rows).toEqual([]);
      expect((await query("SELECT content FROM _cot WHERE session_id = ?", { key: alice.key, params: [session] })).body.row_count).toBe(1);
    });
  });

  it("hides audit rows about another agent's private namespace", async () => {
    const { alice, bob } = await twoAgentsWithSecrets();
    const about = (key: string, ns: string) => query("SELECT audit_id FROM _audit_log WHERE resource = ?", { key, params: [`memory:${ns}`] });
    expect((await about(bob.key, alice.agentId)).body.rows).toEqual([]);
    expect((await about(alice.key, alice.agentId)).body.row_count).toBeGreaterThan(0);
  });
});
