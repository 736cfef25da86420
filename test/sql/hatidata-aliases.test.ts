import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/http/errors";
import { guardSql } from "../../src/sql/guard";
import { RefusedTableError } from "../../src/sql/guard-errors";
import { ADMIN, api, auditRowsFor, count, expectError, newAgent, newRequestId } from "../helpers";

const tables = (sql: string) =>
  guardSql(sql)
    .tables.map((t) => `${t.access}:${t.name}`)
    .sort();

function refusal(sql: string): ApiError {
  try {
    guardSql(sql);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`not refused: ${sql}`);
}

// The seed's supervisor SQL (hatidata-multi-agent-coordination.txt, pattern 5), verbatim.
const ANOMALY_SQL = `
SELECT
agent_id,
COUNT(*) AS denied_queries,
MAX(denied_at) AS last_denial
FROM _hatidata_policy_denials
WHERE denied_at >= NOW() - INTERVAL '1 hour'
GROUP BY agent_id
HAVING COUNT(*) > 10
ORDER BY denied_queries DESC;
`;
const ACTIVE_SESSIONS_SQL = "SELECT DISTINCT session_id FROM _hatidata_cot " + "WHERE logged_at >= NOW() - INTERVAL '1 hour'";

describe("HatiData's system table names in the SQL guard", () => {
  it("reads each alias as its system table: the statement that runs names only the real table", () => {
    for (const [alias, table] of [
      ["_hatidata_memory", "_memory"],
      ["_hatidata_audit_log", "_audit_log"],
      ["_hatidata_policy_denials", "_policy_denials"],
      ["_hatidata_cot", "_cot"],
    ]) {
      const guarded = guardSql(`SELECT * FROM ${alias}`);
      expect(guarded.tables).toEqual([{ name: table, access: "read" }]);
      expect(guarded.sql.replace(` AS ${alias}`, "")).not.toContain(alias);
      expect(guarded.sql).toContain(`FROM ${table})`);
    }
  });

  it("rewrites the alias wherever a table may stand, under its own name or the user's", () => {
    expect(tables("SELECT c.session_id FROM _HATIDATA_COT AS c JOIN main._hatidata_memory m ON m.agent_id = c.agent_id")).toEqual(["read:_cot", "read:_memory"]);
    expect(guardSql("SELECT c.session_id FROM _hatidata_cot c").sql).toMatch(/^SELECT c\.session_id FROM \(SELECT \*.* FROM _cot\) c$/);
    expect(guardSql("SELECT _hatidata_cot.trace_id FROM _hatidata_cot").sql).toMatch(/FROM _cot\) AS _hatidata_cot$/);
    expect(tables("WITH d AS (SELECT * FROM _hatidata_policy_denials) SELECT * FROM d WHERE agent_id IN (SELECT agent_id FROM _hatidata_audit_log)")).toEqual([
      "read:_audit_log",
      "read:_policy_denials",
    ]);
    expect(tables("CREATE VIEW recent_denials AS SELECT * FROM _hatidata_policy_denials")).toEqual(["read:_policy_denials", "schema:recent_denials"]);
    // The view is stored over the real table, so whatever applies to it applies to the view's readers.
    expect(guardSql("CREATE VIEW recent_denials AS SELECT * FROM _hatidata_policy_denials").sql).toContain("FROM _policy_denials)");
  });

  it("analyses the seed's supervisor queries, verbatim", () => {
    const anomalies = guardSql(ANOMALY_SQL);
    expect(anomalies.kind).toBe("read");
    expect(anomalies.tables).toEqual([{ name: "_policy_denials", access: "read" }]);
    expect(guardSql(ACTIVE_SESSIONS_SQL).tables).toEqual([{ name: "_cot", access: "read" }]);
  });

  it("never writes through an alias, and refuses it where only a real table fits", () => {
    for (const sql of [
      "INSERT INTO _hatidata_memory (memory_id) VALUES ('x')",
      "UPDATE _hatidata_cot SET content = 'x'",
      "DELETE FROM _hatidata_audit_log",
      "DROP TABLE _hatidata_policy_denials",
      "CREATE INDEX i ON _hatidata_memory (agent_id)",
      "ALTER TABLE _hatidata_cot ADD COLUMN x",
    ]) {
      const err = refusal(sql);
      expect(err, sql).toBeInstanceOf(RefusedTableError);
      expect(err.message, sql).toMatch(/readable, never writable/);
    }
    expect(refusal("CREATE TABLE t (x REFERENCES _hatidata_memory (memory_id))").message).toMatch(/another name of _memory/);
  });
});

describe("HatiData's system table names through POST /v1/query", () => {
  let supervisor: { agentId: string; key: string };
  let rogue: { agentId: string; key: string };

  beforeAll(async () => {
    supervisor = await newAgent("reader");
    rogue = await newAgent("reader");
    // Eleven refusals of the rogue's writes: the anomaly query reports agents with more than ten.
    for (let i = 0; i < 11; i++) {
      const res = await api("POST", "/v1/memory", { key: rogue.key, body: { agent_id: "shared-kb", content: `claim ${i}` } });
      expectError(res, 403, "forbidden");
    }
  });

  it("answers the seed's anomaly query, verbatim, like the same query over _policy_denials", async () => {
    const res = await api("POST", "/v1/query", { key: supervisor.key, body: { sql: ANOMALY_SQL } });
    expect(res.status).toBe(200);
    expect(res.body.columns).toEqual(["agent_id", "denied_queries", "last_denial"]);
    expect(res.body.rows).toContainEqual({ agent_id: rogue.agentId, denied_queries: 11, last_denial: expect.stringMatching(/^\d{4}-.*Z$/) });
    const direct = await api("POST", "/v1/query", { key: supervisor.key, body: { sql: ANOMALY_SQL.replace("_hatidata_policy_denials", "_policy_denials") } });
    expect(res.body.rows).toEqual(direct.body.rows);
  });

  it("answers the seed's active-sessions query, verbatim, with HatiData's extra columns alongside", async () => {
    const author = await newAgent();
    const session = `aliases-${author.agentId}`;
    for (const content of ["saw it", "decided it"])
      expect((await api("POST", "/v1/cot", { key: author.key, body: { session_id: session, step_type: "observation", content } })).status).toBe(201);
    const sessions = await api("POST", "/v1/query", { key: supervisor.key, body: { sql: ACTIVE_SESSIONS_SQL } });
    expect(sessions.status).toBe(200);
    expect(sessions.body.rows).toContainEqual({ session_id: session });
    const steps = await api("POST", "/v1/query", {
      key: supervisor.key,
      body: { sql: "SELECT trace_id, step_index, created_at = logged_at AS same FROM _hatidata_cot WHERE session_id = ? ORDER BY step_index", params: [session] },
    });
    expect(steps.body.rows).toEqual([
      { trace_id: `${session}/0`, step_index: 0, same: 1 },
      { trace_id: `${session}/1`, step_index: 1, same: 1 },
    ]);
  });

  it("shows HatiData's memory and audit column names next to Switchyard's", async () => {
    const author = await newAgent();
    const stored = await api("POST", "/v1/memory", { key: author.key, body: { agent_id: author.agentId, content: "aliases keep both names" } });
    const res = await api("POST", "/v1/query", {
      key: author.key,
      body: { sql: "SELECT memory_id, last_accessed, updated_at = created_at AS same FROM _hatidata_memory WHERE memory_id = ?", params: [stored.body.memory_id] },
    });
    expect(res.body.rows).toEqual([{ memory_id: stored.body.memory_id, last_accessed: null, same: 1 }]);
    const audit = await api("POST", "/v1/query", {
      key: ADMIN,
      body: { sql: "SELECT count(*) AS n FROM _hatidata_audit_log WHERE entry_id = audit_id AND timestamp = at AND agent_id = ?", params: [author.agentId] },
    });
    expect(audit.body.rows[0].n).toBeGreaterThan(0);
  });

  it("is authorised as the real table: a policy denying _policy_denials denies the alias, and records it", async () => {
    const watched = await newAgent("reader", { team: "alias-deny" });
    const policy = await api("POST", "/v1/policies", {
      body: { effect: "deny", actions: ["query:read"], resources: ["table:_policy_denials"], principals: [watched.agentId] },
    });
    expect(policy.status).toBe(201);
    const requestId = newRequestId("alias-deny");
    const res = await api("POST", "/v1/query", { key: watched.key, headers: { "x-request-id": requestId }, body: { sql: ANOMALY_SQL } });
    expectError(res, 403, "forbidden");
    expect(res.body.error.details.resource).toBe("table:_policy_denials");
    expect(await count("SELECT count(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = 'table:_policy_denials'", watched.agentId)).toBe(1);
    expect((await auditRowsFor(requestId)).map((r) => r.status)).toEqual(["denied"]);
  });

  it("refuses writes through an alias with 403, recorded, and changes nothing", async () => {
    const writer = await newAgent();
    const before = await count("SELECT count(*) AS n FROM _memory");
    const res = await api("POST", "/v1/query", { key: writer.key, body: { sql: "DELETE FROM _hatidata_memory" } });
    expectError(res, 403, "forbidden");
    expect(await count("SELECT count(*) AS n FROM _memory")).toBe(before);
    expect(await count("SELECT count(*) AS n FROM _policy_denials WHERE agent_id = ? AND resource = 'table:_hatidata_memory'", writer.agentId)).toBe(1);
  });
});
