import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type ApiResponse, api, expectError, uniqueId } from "../helpers";
import { ensureVersion } from "../workflows/workflow-helpers";

// Helpers for the guard rails' tests over HTTP: the deployment's rules, agents with keys, and the PII the
// tests write (every test writes the same two strings, so "stored nowhere" is one search).

/** An email address and a Social Security number the detectors find (and nothing else in the tests says). */
export const EMAIL = "ann.lee@northwind-mail.org";
export const SSN = "219-45-6789";
export const PII_TEXTS = [EMAIL, SSN] as const;

export const setDeploymentRules = (rules: Record<string, unknown>) => api("PUT", "/v1/guard-rails", { body: rules });

/** Sets the deployment's rules, failing the test if they are refused. */
export async function deploymentRules(rules: Record<string, unknown>): Promise<void> {
  const res = await setDeploymentRules(rules);
  if (res.status !== 200) throw new Error(`guard rails not set: ${res.status} ${JSON.stringify(res.body)}`);
}

export const clearDeploymentRules = () => deploymentRules({});

export const REJECT = { pii: { detect: ["email", "ssn"], mode: "reject" } };
export const REDACT = { pii: { detect: ["email", "ssn"], mode: "redact" } };

/** An agent with a published 1.0.0 and a key of its own. */
export async function agentWithKey(prefix = "gr") {
  const agentId = uniqueId(prefix);
  await ensureVersion(agentId, "1.0.0");
  const key = await api("POST", `/v1/agents/${agentId}/keys`);
  if (key.status !== 201) throw new Error(`no key: ${JSON.stringify(key.body)}`);
  return { agentId, key: key.body.api_key as string };
}

export type Agent = Awaited<ReturnType<typeof agentWithKey>>;

/** A 422 `guard_rail` naming the rule, the path and the kind, and carrying none of the PII anywhere in the answer. */
export function expectRefusal(res: ApiResponse, rule: string, path: string, kind: string | null = null) {
  expectError(res, 422, "guard_rail");
  expect(res.body.error.details).toMatchObject({ rule, path, kind });
  expectNoPii(JSON.stringify(res.body));
}

export function expectNoPii(text: string) {
  for (const pii of PII_TEXTS) expect(text).not.toContain(pii);
}

/** Every D1 table that could have kept a write or its record: none holds the PII. */
export async function expectNoPiiInD1(): Promise<void> {
  const tables = ["_memory", "_audit_log", "_guard_rail_violations", "_runs", "_tasks", "_policy_denials"];
  for (const table of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM ${table}`).all();
    expectNoPii(JSON.stringify(results));
  }
}

export interface ViolationRow {
  violation_id: string;
  agent_id: string;
  rule: string;
  kind: string | null;
  path: string;
  mode: string;
  action: string;
  resource: string;
  run_id: string | null;
  task_id: string | null;
  at: string;
}

/** The violations recorded for an agent, read through the SQL layer as a supervisor would. */
export async function violationsOf(agentId: string): Promise<ViolationRow[]> {
  const res = await api("POST", "/v1/query", { body: { sql: "SELECT * FROM _guard_rail_violations WHERE agent_id = ? ORDER BY at, violation_id", params: [agentId] } });
  expect(res.status).toBe(200);
  return res.body.rows as ViolationRow[];
}

/** The `guard_rail:violated` audit rows of an agent. */
export async function violationAudits(agentId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM _audit_log WHERE agent_id = ? AND action = 'guard_rail:violated' ORDER BY at, audit_id").bind(agentId).all<{
    resource: string;
    status: string;
    details: string;
  }>();
  return results.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}
