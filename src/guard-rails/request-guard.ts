import type { Context } from "hono";
import { type Principal, isAdminToken } from "../authz/principal";
import { database } from "../db/client";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { isoNow } from "../lib/time";
import { agentObject } from "../state/agent-state";
import { deploymentGuardRailsAt, readGuardRailsVersion } from "./deployment-rules";
import { type GuardContext, type GuardFinding, enforceAll, limitFinding, refusalDetails, refusalMessage } from "./enforce";
import type { GuardRails } from "./rules";
import { enforceSqlValues } from "./sql-values";
import type { SqlParam } from "../sql/schemas";
import { type ViolationRecord, recordViolations, violationRecord } from "./violations";

/**
 * The guard rails as the Worker's routes apply them: the deployment's rules for the request's caller,
 * `guardWrite` for every value a route is about to store, and the `requests_per_minute` admission that
 * authentication runs. Inside a run, the run's object applies the merged rules itself (they travel in
 * its RunInit); these are the paths outside runs.
 */

/**
 * The deployment's rules. An agent's request knows their version from its authentication (no read when
 * this isolate holds that version); the admin token, which has no key row to read it with, reads it.
 */
export async function deploymentRulesFor(env: Env, principal: Principal): Promise<GuardRails> {
  const db = database(env);
  const version = principal.guardRailsVersion ?? (await readGuardRailsVersion(db));
  return deploymentGuardRailsAt(db, version);
}

/** One value of a write, named as the request names it (`content`, `metadata`, `messages[2].body`). */
export interface GuardedValue<T> {
  value: T;
  at: string;
  /** `max_message_bytes` applies (inbox messages). */
  message?: boolean;
}

/** The write being guarded: the action and resource its audit row names. */
export interface GuardedWrite {
  action: string;
  resource: string;
  /** Names the value in a refusal's message: "The memory", "The state value". */
  what: string;
}

/**
 * Applies the deployment's guard rails to the values of one write: returns what to store (the values, or
 * their redactions), or throws 422 `guard_rail` when a rule rejects one. Any finding is recorded first
 * (violation rows, audit, event). With no deployment rule this is a cached lookup and nothing more.
 */
export async function guardWrite<T>(c: Context<AppEnv>, write: GuardedWrite, values: readonly GuardedValue<T>[]): Promise<T[]> {
  const [guarded] = await guardWrites(c, [{ write, values }]);
  return guarded!;
}

/**
 * Several writes of one request, all or none (a batch whose items go to different namespaces): each
 * write's findings are recorded under its own resource, and the first refusal refuses the request.
 */
export async function guardWrites<T>(c: Context<AppEnv>, writes: readonly { write: GuardedWrite; values: readonly GuardedValue<T>[] }[]): Promise<T[][]> {
  // Write routes run once the caller is known (only reads start ahead of authentication, http/auth.ts).
  const rules = await deploymentRulesFor(c.env, c.get("principal"));
  return applyRules(c, rules, writes);
}

/** `guardWrites` with the rules in hand. */
export async function applyRules<T>(c: Context<AppEnv>, rules: GuardRails, writes: readonly { write: GuardedWrite; values: readonly GuardedValue<T>[] }[]): Promise<T[][]> {
  if (rules.pii === undefined && rules.max_message_bytes === undefined) return writes.map((w) => w.values.map((v) => v.value));
  const out: T[][] = [];
  const records: ViolationRecord[] = [];
  let refused: { finding: GuardFinding; what: string } | undefined;
  const at = isoNow();
  const agentId = c.get("principal").agentId;
  for (const { write, values } of writes) {
    const result = enforceAll(
      values.map((v) => ({ value: v.value, context: { at: v.at, ...(v.message ? { message: true } : {}) } satisfies GuardContext })),
      rules,
    );
    if (result.findings.length > 0)
      records.push(violationRecord({ agent_id: agentId, action: write.action, resource: write.resource, request_id: c.get("requestId") }, result.findings, at));
    if (!result.ok) {
      refused = { finding: result.refusal, what: write.what };
      break;
    }
    out.push(result.value);
  }
  if (records.length > 0) await recordViolations(c, records);
  if (refused) throw guardRailError(refused.finding, refused.what);
  return out;
}

/** Records findings the caller decided on itself (SQL literals). */
export async function recordFindings(c: Context<AppEnv>, write: Omit<GuardedWrite, "what">, findings: readonly GuardFinding[]): Promise<void> {
  await recordViolations(c, [violationRecord({ agent_id: c.get("principal").agentId, action: write.action, resource: write.resource, request_id: c.get("requestId") }, findings, isoNow())]);
}

/** The contract's 422 `guard_rail`: what broke which rule where, never the PII itself. */
export const guardRailError = (finding: GuardFinding, what: string) => new ApiError("guard_rail", refusalMessage(finding, what), refusalDetails(finding));

/**
 * `requests_per_minute`, counted in the agent's own object (see durable-objects/agent/request-window.ts for
 * why there and not in the rate-limiting binding). Applies to every agent key, never to the admin token.
 * With no deployment limit it costs a cached lookup: no call leaves the Worker.
 */
export async function admitRequest(c: Context<AppEnv>, principal: Principal): Promise<void> {
  if (isAdminToken(principal) || principal.guardRailsVersion === undefined) return;
  const rules = await deploymentGuardRailsAt(database(c.env), principal.guardRailsVersion);
  const limit = rules.requests_per_minute;
  if (limit === undefined) return;
  const admission = await agentObject(c.env, principal.agentId).admitRequest(limit);
  if (admission.ok) return;
  const retryAfter = Math.max(1, Math.ceil(admission.retry_after_ms / 1000));
  // Once per window, not once per refused request: a client hammering the limit must not hammer D1 too.
  if (admission.first)
    await recordViolations(c, [
      violationRecord(
        { agent_id: principal.agentId, action: "request", resource: `agent:${principal.agentId}`, request_id: c.get("requestId") },
        [limitFinding("requests_per_minute", `${c.req.method} ${c.req.path}`, limit)],
        isoNow(),
      ),
    ]);
  throw new ApiError("rate_limited", `Agent '${principal.agentId}' made ${limit} requests within a minute, the deployment's limit (requests_per_minute); retry in ${retryAfter} s.`, {
    rule: "requests_per_minute",
    limit,
    retry_after_seconds: retryAfter,
  });
}

/**
 * The deployment's PII rule over the values an SQL write stores (see sql-values.ts): returns the
 * statement and parameters to run (rewritten when redacted), or throws 422 `guard_rail`.
 */
export async function guardSqlWrite(c: Context<AppEnv>, write: GuardedWrite, sql: string, params: readonly SqlParam[]): Promise<{ sql: string; params: SqlParam[] }> {
  const rules = await deploymentRulesFor(c.env, c.get("principal"));
  const result = enforceSqlValues(sql, params, rules);
  if (result.findings.length > 0) await recordFindings(c, write, result.findings);
  if (!result.ok) throw guardRailError(result.refusal, write.what);
  return { sql: result.sql, params: result.params };
}
