import { afterEach, describe, expect, it } from "vitest";
import { api, count, expectError, uniqueId } from "../helpers";
import { branchQuery, branchWrite, newBranch } from "../branches/helpers";
import {
  EMAIL,
  REDACT,
  REJECT,
  SSN,
  agentWithKey,
  clearDeploymentRules,
  deploymentRules,
  expectNoPii,
  expectNoPiiInD1,
  expectRefusal,
  violationAudits,
  violationsOf,
} from "./guard-helpers";

// The data layer's write paths (memories, agent state, inbox messages, branch rows and SQL writes) for an
// agent covered only by the deployment's guard rails: the same PII refused under `reject` (nothing stored,
// the violation recorded without the PII) and stored as `[REDACTED:<kind>]` under `redact`.

afterEach(clearDeploymentRules);

describe("memories: content and metadata, single and batch", () => {
  it("refuses PII in the content or the metadata under reject, and stores nothing of the batch it is in", async () => {
    const a = await agentWithKey("mem");
    await deploymentRules(REJECT);
    const store = (body: Record<string, unknown>) => api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, ...body } });
    expectRefusal(await store({ content: `Customer contact: ${EMAIL}` }), "pii", "content", "email");
    expectRefusal(await store({ content: "Customer called", metadata: { source: "crm", note: `SSN on file ${SSN}` } }), "pii", "metadata.note", "ssn");
    const batch = await api("POST", "/v1/memory/batch", {
      key: a.key,
      body: { memories: [{ agent_id: a.agentId, content: "Q3 revenue rose 12%" }, { agent_id: a.agentId, content: "fine", metadata: { owner_contact: EMAIL } }] },
    });
    expectRefusal(batch, "pii", "memories[1].metadata.owner_contact", "email");
    expect(await count("SELECT COUNT(*) AS n FROM _memory WHERE agent_id = ?", a.agentId)).toBe(0);

    const violations = await violationsOf(a.agentId);
    expect(violations.map((v) => [v.rule, v.kind, v.path, v.mode, v.action, v.resource])).toEqual([
      ["pii", "email", "content", "reject", "memory:write", `memory:${a.agentId}`],
      ["pii", "ssn", "metadata.note", "reject", "memory:write", `memory:${a.agentId}`],
      ["pii", "email", "memories[1].metadata.owner_contact", "reject", "memory:write", `memory:${a.agentId}`],
    ]);
    const audits = await violationAudits(a.agentId);
    expect(audits.map((r) => [r.resource, r.status, r.details.rule, r.details.path, r.details.kind, r.details.mode])).toEqual([
      [`memory:${a.agentId}`, "denied", "pii", "content", "email", "reject"],
      [`memory:${a.agentId}`, "denied", "pii", "metadata.note", "ssn", "reject"],
      [`memory:${a.agentId}`, "denied", "pii", "memories[1].metadata.owner_contact", "email", "reject"],
    ]);
    await expectNoPiiInD1();
  });

  it("stores the redaction under redact: the answer, the row and a read all say [REDACTED:<kind>]", async () => {
    const a = await agentWithKey("memr");
    await deploymentRules(REDACT);
    const stored = await api("POST", "/v1/memory", { key: a.key, body: { agent_id: a.agentId, content: `Reach Ann at ${EMAIL} today`, metadata: { note: SSN, region: "emea" } } });
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ content: "Reach Ann at [REDACTED:email] today", metadata: { note: "[REDACTED:ssn]", region: "emea" } });
    const read = await api("GET", `/v1/memory/${stored.body.memory_id}`, { key: a.key });
    expect(read.body).toMatchObject({ content: "Reach Ann at [REDACTED:email] today", metadata: { note: "[REDACTED:ssn]" } });
    const batch = await api("POST", "/v1/memory/batch", { key: a.key, body: { memories: [{ agent_id: a.agentId, content: "clean" }, { agent_id: a.agentId, content: EMAIL }] } });
    expect(batch.body.items.map((m: { content: string }) => m.content)).toEqual(["clean", "[REDACTED:email]"]);
    expect((await violationsOf(a.agentId)).map((v) => [v.kind, v.path, v.mode])).toEqual([
      ["email", "content", "redact"],
      ["ssn", "metadata.note", "redact"],
      ["email", "memories[1].content", "redact"],
    ]);
    expect((await violationAudits(a.agentId)).map((r) => r.status)).toEqual(["success", "success"]);
    await expectNoPiiInD1();
  });
});

describe("agent state", () => {
  it("refuses a value carrying PII (nothing stored) under reject, and stores its redaction under redact", async () => {
    const a = await agentWithKey("state");
    await deploymentRules(REJECT);
    const put = (value: unknown) => api("PUT", `/v1/state/${a.agentId}/handoff`, { key: a.key, body: { value } });
    expectRefusal(await put({ customer: { emails: ["x", EMAIL] } }), "pii", "value.customer.emails[1]", "email");
    expectError(await api("GET", `/v1/state/${a.agentId}/handoff`, { key: a.key }), 404, "not_found");

    await deploymentRules(REDACT);
    const written = await put({ customer: { emails: ["x", EMAIL] }, ssn: SSN });
    expect(written.status).toBe(200);
    expect(written.body.value).toEqual({ customer: { emails: ["x", "[REDACTED:email]"] }, ssn: "[REDACTED:ssn]" });
    expect((await api("GET", `/v1/state/${a.agentId}/handoff`, { key: a.key })).body).toMatchObject({ value: written.body.value, version: 1 });
    expect((await violationsOf(a.agentId)).map((v) => [v.kind, v.path, v.mode, v.action, v.resource])).toEqual([
      ["email", "value.customer.emails[1]", "reject", "state:write", `state:${a.agentId}/handoff`],
      ["email", "value.customer.emails[1]", "redact", "state:write", `state:${a.agentId}/handoff`],
      ["ssn", "value.ssn", "redact", "state:write", `state:${a.agentId}/handoff`],
    ]);
  });
});

describe("inbox messages, single and batch", () => {
  it("refuses a message (and a whole batch) carrying PII under reject, delivers the redaction under redact", async () => {
    const [from, to] = [await agentWithKey("from"), await agentWithKey("to")];
    await deploymentRules(REJECT);
    expectRefusal(await api("POST", `/v1/inbox/${to.agentId}/messages`, { key: from.key, body: { body: { text: `mail ${EMAIL}` } } }), "pii", "body.text", "email");
    const batch = await api("POST", `/v1/inbox/${to.agentId}/messages/batch`, { key: from.key, body: { messages: [{ body: "hello" }, { body: { ssn: SSN } }] } });
    expectRefusal(batch, "pii", "messages[1].body.ssn", "ssn");
    expect((await api("GET", `/v1/inbox/${to.agentId}`, { key: to.key })).body.items).toEqual([]);

    await deploymentRules(REDACT);
    expect((await api("POST", `/v1/inbox/${to.agentId}/messages`, { key: from.key, body: { body: { text: `mail ${EMAIL}` } } })).body.body).toEqual({ text: "mail [REDACTED:email]" });
    expect((await api("POST", `/v1/inbox/${to.agentId}/messages/batch`, { key: from.key, body: { messages: [{ body: "hello" }, { body: SSN }] } })).status).toBe(201);
    const items = (await api("GET", `/v1/inbox/${to.agentId}`, { key: to.key })).body.items as { body: unknown }[];
    expect(items.map((i) => i.body)).toEqual([{ text: "mail [REDACTED:email]" }, "hello", "[REDACTED:ssn]"]);
    expect((await violationsOf(from.agentId)).map((v) => [v.path, v.mode, v.action, v.resource])).toEqual([
      ["body.text", "reject", "inbox:send", `inbox:${to.agentId}`],
      ["messages[1].body.ssn", "reject", "inbox:send", `inbox:${to.agentId}`],
      ["body.text", "redact", "inbox:send", `inbox:${to.agentId}`],
      ["messages[1].body", "redact", "inbox:send", `inbox:${to.agentId}`],
    ]);
    await expectNoPiiInD1();
  });
});

describe("branch writes: rows, and SQL with literals and parameters", () => {
  it("refuses rows and SQL values carrying PII under reject; WHERE literals only pick rows and pass", async () => {
    const a = await agentWithKey("br");
    const branch = await newBranch(a.key);
    const table = uniqueId("contacts").replace(/[^a-z0-9]/gi, "_");
    expect((await branchWrite(branch, table, [{ id: 1, email: "none" }], "insert", a.key)).status).toBe(200);
    await deploymentRules(REJECT);
    expectRefusal(await branchWrite(branch, table, [{ id: 2, email: "none" }, { id: 3, email: EMAIL }], "insert", a.key), "pii", "rows[1].email", "email");
    expectRefusal(await branchQuery(branch, `INSERT INTO ${table} (id, email) VALUES (4, 'x'), (5, '${EMAIL}')`, [], a.key), "pii", "sql.literals[1]", "email");
    expectRefusal(await branchQuery(branch, `INSERT INTO ${table} (id, email) VALUES (?, ?)`, [6, SSN], a.key), "pii", "params[1]", "ssn");
    expectRefusal(await branchQuery(branch, `UPDATE ${table} SET email = ?2 WHERE id = ?1`, [1, EMAIL], a.key), "pii", "params[1]", "email");
    expectRefusal(await branchQuery(branch, `INSERT INTO ${table} (id, email) SELECT 7, '${EMAIL}' WHERE 1`, [], a.key), "pii", "sql.literals[0]", "email");
    // A literal that only picks rows writes nothing: it passes, and changes nothing here.
    const picked = await branchQuery(branch, `DELETE FROM ${table} WHERE email = '${EMAIL}'`, [], a.key);
    expect(picked.status).toBe(200);
    const rows = await branchQuery(branch, `SELECT id, email FROM ${table} ORDER BY id`, [], a.key);
    expect(rows.body.rows).toEqual([{ id: 1, email: "none" }]);
  });

  it("stores the redaction of rows and of SQL values under redact", async () => {
    const a = await agentWithKey("brr");
    const branch = await newBranch(a.key);
    const table = uniqueId("contacts").replace(/[^a-z0-9]/gi, "_");
    await deploymentRules(REDACT);
    expect((await branchWrite(branch, table, [{ id: 1, email: EMAIL, note: "ok" }], "insert", a.key)).status).toBe(200);
    expect((await branchQuery(branch, `INSERT INTO ${table} (id, email, note) VALUES (2, 'it''s ${EMAIL}', 'ok')`, [], a.key)).status).toBe(200);
    expect((await branchQuery(branch, `INSERT INTO ${table} (id, email, note) VALUES (?, ?, ?)`, [3, SSN, "ok"], a.key)).status).toBe(200);
    expect((await branchQuery(branch, `UPDATE ${table} SET note = 'call ' || ? WHERE id = 1`, [EMAIL], a.key)).status).toBe(200);
    const rows = await branchQuery(branch, `SELECT id, email, note FROM ${table} ORDER BY id`, [], a.key);
    expect(rows.body.rows).toEqual([
      { id: 1, email: "[REDACTED:email]", note: "call [REDACTED:email]" },
      { id: 2, email: "it's [REDACTED:email]", note: "ok" },
      { id: 3, email: "[REDACTED:ssn]", note: "ok" },
    ]);
    expectNoPii(JSON.stringify((await api("GET", `/v1/branches/${branch}/diff`, { key: a.key })).body));
    expect((await violationsOf(a.agentId)).map((v) => [v.path, v.action, v.resource])).toEqual([
      ["rows[0].email", "branch:write", `branch:${branch}`],
      ["sql.literals[0]", "branch:write", `branch:${branch}`],
      ["params[1]", "branch:write", `branch:${branch}`],
      ["params[0]", "branch:write", `branch:${branch}`],
    ]);
  });

  it("holds for SQL writes on main too (POST /v1/query)", async () => {
    const a = await agentWithKey("mainq");
    const table = uniqueId("people").replace(/[^a-z0-9]/gi, "_");
    expect((await api("POST", "/v1/query", { key: a.key, body: { sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, email TEXT)` } })).status).toBe(200);
    await deploymentRules(REJECT);
    expectRefusal(await api("POST", "/v1/query", { key: a.key, body: { sql: `INSERT INTO ${table} VALUES (1, '${EMAIL}')` } }), "pii", "sql.literals[0]", "email");
    expect(await count(`SELECT COUNT(*) AS n FROM ${table}`)).toBe(0);
    await deploymentRules(REDACT);
    expect((await api("POST", "/v1/query", { key: a.key, body: { sql: `INSERT INTO ${table} VALUES (?, ?)`, params: [1, EMAIL] } })).status).toBe(200);
    const read = await api("POST", "/v1/query", { key: a.key, body: { sql: `SELECT email FROM ${table}` } });
    expect(read.body.rows).toEqual([{ email: "[REDACTED:email]" }]);
    expect((await violationsOf(a.agentId)).map((v) => [v.path, v.mode, v.action, v.resource])).toEqual([
      ["sql.literals[0]", "reject", "query:write", `table:${table.toLowerCase()}`],
      ["params[1]", "redact", "query:write", `table:${table.toLowerCase()}`],
    ]);
    await expectNoPiiInD1();
  });
});
