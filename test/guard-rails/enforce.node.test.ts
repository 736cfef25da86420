import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enforce, enforceAll, jsonBytes, refusalDetails, refusalMessage } from "../../src/guard-rails/enforce";
import type { GuardRails } from "../../src/guard-rails/rules";
import { enforceSqlValues } from "../../src/guard-rails/sql-values";
import { MAX_RECORDED, violationEvents, violationRecord, violationSummary } from "../../src/guard-rails/violations";

// The one enforcement point, pure: what it stores, what it refuses, and that nothing it answers or
// records carries the PII it found.

const EMAIL = "ann.lee@northwind-mail.org";
const SSN = "219-45-6789";
const CARD = "4111 1111 1111 1111";
const redact: GuardRails = { pii: { detect: ["email", "ssn", "credit_card"], mode: "redact" } };
const reject: GuardRails = { pii: { detect: ["email", "ssn", "credit_card"], mode: "reject" } };

describe("enforce", () => {
  it("returns the value itself when no rule concerns it (nothing copied)", () => {
    const value = { a: [EMAIL] };
    expect(enforce(value, {}, { at: "value" })).toEqual({ ok: true, value, findings: [] });
    expect(enforce(value, { max_message_bytes: 1 }, { at: "value" }).ok).toBe(true);
    const clean = { note: "nothing to see" };
    expect(enforce(clean, redact, { at: "value" })).toMatchObject({ ok: true, findings: [] });
    const same = enforce(clean, redact, { at: "value" });
    expect(same.ok && same.value).toBe(clean);
  });

  it("redacts every finding and reports one per path and kind, under the value's name", () => {
    const result = enforce({ contacts: [`${EMAIL} and ${EMAIL}`, { card: CARD }], ssn: SSN }, redact, { at: "body" });
    expect(result).toEqual({
      ok: true,
      value: { contacts: ["[REDACTED:email] and [REDACTED:email]", { card: "[REDACTED:credit_card]" }], ssn: "[REDACTED:ssn]" },
      findings: [
        { rule: "pii", path: "body.contacts[0]", kind: "email", mode: "redact" },
        { rule: "pii", path: "body.contacts[1].card", kind: "credit_card", mode: "redact" },
        { rule: "pii", path: "body.ssn", kind: "ssn", mode: "redact" },
      ],
    });
  });

  it("refuses under reject at the first finding, keys included, with a path that does not carry the PII", () => {
    const result = enforce({ owners: { [EMAIL]: "primary" } }, reject, { at: "metadata" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal).toEqual({ rule: "pii", path: 'metadata.owners["[REDACTED:email]"]', kind: "email", mode: "reject" });
    expect(refusalMessage(result.refusal, "The memory")).toBe(
      'The memory carries an email address at metadata.owners["[REDACTED:email]"], and the guard rails reject email (pii, mode reject): remove it and write again.',
    );
  });

  it("measures messages as stored, and refuses one byte over max_message_bytes", () => {
    const body = { text: "x".repeat(50) };
    const size = jsonBytes(body);
    expect(enforce(body, { max_message_bytes: size }, { at: "body", message: true }).ok).toBe(true);
    const over = enforce(body, { max_message_bytes: size - 1 }, { at: "body", message: true });
    expect(over).toMatchObject({ ok: false, refusal: { rule: "max_message_bytes", path: "body", limit: size - 1, size_bytes: size } });
    // Only messages are measured.
    expect(enforce(body, { max_message_bytes: 1 }, { at: "value" }).ok).toBe(true);
    // UTF-8 bytes, not characters.
    expect(jsonBytes("é")).toBe(4);
  });

  it("applies to every part of a write and stops at the first refusal, keeping earlier findings", () => {
    const result = enforceAll<unknown>(
      [
        { value: EMAIL, context: { at: "messages[0].body" } },
        { value: { n: 1 }, context: { at: "messages[1].body" } },
      ],
      redact,
    );
    expect(result).toMatchObject({ ok: true, value: ["[REDACTED:email]", { n: 1 }] });
    const refused = enforceAll([{ value: EMAIL, context: { at: "a" } }, { value: SSN, context: { at: "b" } }, { value: CARD, context: { at: "c" } }], reject);
    expect(refused).toMatchObject({ ok: false, refusal: { path: "a" } });
  });

  it("never answers, nor records, the PII it found: messages, details, paths, violation rows and events", () => {
    const pii = fc.constantFrom(EMAIL, SSN, CARD);
    const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, pii, fc.string(), fc.integer(), tie("object"), tie("array")),
      object: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), pii), tie("value"), { maxKeys: 4 }),
      array: fc.array(tie("value"), { maxLength: 4 }),
    })).value;
    fc.assert(
      fc.property(json, fc.constantFrom(redact, reject), (value, rules) => {
        const result = enforce(value, rules, { at: "value" });
        const findings = result.findings;
        const record = violationRecord({ agent_id: "a", action: "memory:write", resource: "memory:a" }, findings, "2026-11-21T10:30:00.000Z");
        const said = JSON.stringify([
          findings,
          result.ok ? null : [refusalMessage(result.refusal, "The value"), refusalDetails(result.refusal)],
          record,
          violationEvents([record]),
        ]);
        for (const text of [EMAIL, SSN, CARD]) expect(said).not.toContain(text);
        if (rules === redact) for (const text of [EMAIL, SSN, CARD]) expect(JSON.stringify(result.ok ? result.value : null)).not.toContain(text);
      }),
    );
  });
});

describe("violation records", () => {
  it("keeps at most MAX_RECORDED findings of one write, counts them all, and summarises the write for audit and event", () => {
    const findings = Array.from({ length: 70 }, (_, i) => ({ rule: "pii" as const, path: `rows[${i}].email`, kind: "email" as const, mode: "redact" as const }));
    const record = violationRecord({ agent_id: "a", action: "branch:write", resource: "branch:br_1", run_id: null }, findings, "2026-11-21T10:30:00.000Z");
    expect(record.violations).toHaveLength(MAX_RECORDED);
    expect(new Set(record.violations.map((v) => v.violation_id)).size).toBe(MAX_RECORDED);
    expect(violationSummary(record)).toMatchObject({ rule: "pii", path: "rows[0].email", kind: "email", mode: "redact", violations: 70, action: "branch:write", resource: "branch:br_1" });
    const [event] = violationEvents([record]);
    expect(event).toMatchObject({ violation_id: record.violations[0]!.violation_id, data: { violations: 70 } });
  });
});

describe("enforceSqlValues: the values an SQL write stores", () => {
  const sql = (text: string, params: unknown[] = [], rules: GuardRails = redact) => enforceSqlValues(text, params as never[], rules);

  it("redacts VALUES literals and parameters, SET values and an INSERT … SELECT's columns, and leaves WHERE alone", () => {
    expect(sql(`INSERT INTO t (a, b) VALUES ('${EMAIL}', ?), (?2, 'z')`, [SSN, "fine"])).toMatchObject({
      ok: true,
      sql: "INSERT INTO t (a, b) VALUES ('[REDACTED:email]', ?), (?2, 'z')",
      params: ["[REDACTED:ssn]", "fine"],
    });
    expect(sql(`UPDATE t SET a = 'mail ' || ?, b = '${EMAIL}' WHERE c = '${EMAIL}' AND d = ?`, [EMAIL, EMAIL])).toMatchObject({
      sql: `UPDATE t SET a = 'mail ' || ?, b = '[REDACTED:email]' WHERE c = '${EMAIL}' AND d = ?`,
      params: ["[REDACTED:email]", EMAIL],
    });
    expect(sql(`INSERT INTO t SELECT '${EMAIL}', x FROM u WHERE y = '${EMAIL}'`).ok && sql(`INSERT INTO t SELECT '${EMAIL}', x FROM u WHERE y = '${EMAIL}'`)).toMatchObject({
      sql: `INSERT INTO t SELECT '[REDACTED:email]', x FROM u WHERE y = '${EMAIL}'`,
    });
    expect(sql(`INSERT INTO t (a) VALUES ('x') ON CONFLICT (a) DO UPDATE SET b = '${SSN}' WHERE b <> '${SSN}'`)).toMatchObject({
      sql: `INSERT INTO t (a) VALUES ('x') ON CONFLICT (a) DO UPDATE SET b = '[REDACTED:ssn]' WHERE b <> '${SSN}'`,
    });
  });

  it("keeps quotes in redacted literals SQL-safe, and names findings by literal and parameter position", () => {
    const result = sql(`INSERT INTO t VALUES ('it''s', 'O''Brien <${EMAIL}>')`);
    expect(result).toMatchObject({ sql: "INSERT INTO t VALUES ('it''s', 'O''Brien <[REDACTED:email]>')", findings: [{ path: "sql.literals[1]", kind: "email" }] });
    expect(sql("INSERT INTO t VALUES (?3, ?1)", ["a", "b", SSN], reject)).toMatchObject({ ok: false, refusal: { path: "params[2]", kind: "ssn" } });
  });

  it("passes reads, deletes and SQL that does not parse untouched (the SQL guard answers those)", () => {
    for (const text of [`SELECT '${EMAIL}'`, `DELETE FROM t WHERE a = '${EMAIL}'`, `SELECT * FROM (VALUES ('${EMAIL}'))`, "INSERT INTO ((("])
      expect(sql(text, [], reject)).toEqual({ ok: true, sql: text, params: [], findings: [] });
    expect(sql(`INSERT INTO t VALUES ('${EMAIL}')`, [], {})).toMatchObject({ ok: true, findings: [] });
  });
});
