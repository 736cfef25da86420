import type { Context } from "hono";
import { recordDenial } from "../authz/record-denial";
import { principalOf } from "../http/auth";
import type { AppEnv } from "../http/context";
import type { RefusedTableError } from "./guard-errors";

/**
 * A table the guard refuses (key material read, a system table written) is a denial like a policy's: it
 * lands in `_policy_denials` and `_audit_log` (policy_id null), where a supervisor's query finds it.
 */
export async function recordRefusal(c: Context<AppEnv>, refusal: RefusedTableError): Promise<void> {
  const { agentId } = await principalOf(c);
  await recordDenial(c, { agentId, action: refusal.action, resource: `table:${refusal.table}`, policyId: null, reason: refusal.reason, by: "sql-guard" });
}
