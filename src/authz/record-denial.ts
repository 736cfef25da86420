import type { Context } from "hono";
import { auditInsert } from "../audit/audit-log";
import { database } from "../db/client";
import { platformEvent } from "../events/platform-events";
import { policyDenials } from "../db/schema";
import type { AppEnv } from "../http/context";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";

export interface Denial {
  agentId: string;
  action: string;
  resource: string;
  /** The deciding policy; null where a role default or a built-in rule (the SQL guard) refused. */
  policyId: string | null;
  reason: string;
  /** What refused, when it was not the policy engine (kept in the audit row's details). */
  by?: string;
}

/**
 * Every refusal, whoever made it, lands in `_policy_denials` and `_audit_log` in one D1 batch, where a
 * supervisor's query finds it.
 */
export async function recordDenial(c: Context<AppEnv>, denial: Denial): Promise<void> {
  const { agentId, action, resource, policyId, reason, by } = denial;
  const db = database(c.env);
  const denialId = newId("den");
  await db.batch([
    db.insert(policyDenials).values({ denialId, agentId, action, resource, policyId, reason, deniedAt: isoNow() }),
    auditInsert(db, {
      agentId,
      action,
      resource,
      status: "denied",
      requestId: c.get("requestId"),
      details: { policy_id: policyId, reason, ...(by === undefined ? {} : { by }) },
    }),
  ]);
  // Free while no workflow subscribes to `policy.denied` (events/platform-events.ts).
  platformEvent(c, { type: "policy.denied", key: `policy.denied:${denialId}`, data: { agent_id: agentId, action, resource, policy_id: policyId, reason } });
}
