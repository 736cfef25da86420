import type { Context } from "hono";
import { auditInsert } from "../audit/audit-log";
import { database } from "../db/client";
import { policyDenials } from "../db/schema";
import { principalOf } from "../http/auth";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import type { RefusedTableError } from "./guard-errors";

/**
 * A table the guard refuses (key material read, a system table written) is a denial like a policy's: it
 * lands in `_policy_denials` and `_audit_log` (policy_id null), where a supervisor's query finds it.
 */
export async function recordRefusal(c: Context<AppEnv>, refusal: RefusedTableError): Promise<void> {
  const { agentId } = await principalOf(c);
  const resource = `table:${refusal.table}`;
  const db = database(c.env);
  await db.batch([
    db.insert(policyDenials).values({ denialId: newId("den"), agentId, action: refusal.action, resource, policyId: null, reason: refusal.reason, deniedAt: isoNow() }),
    auditInsert(db, { agentId, action: refusal.action, resource, status: "denied", requestId: c.get("requestId"), details: { reason: refusal.reason, by: "sql-guard" } }),
  ]);
}
