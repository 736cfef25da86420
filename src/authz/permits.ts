import type { Context } from "hono";
import { database } from "../db/client";
import { principalOf } from "../http/auth";
import type { AppEnv } from "../http/context";
import { policySetAt } from "../policy/policy-cache";
import { decide } from "../policy/policy-engine";
import type { Action, Resource } from "./actions";
import { isAdminToken } from "./principal";

/**
 * Whether the caller may take `action` on `resource`, decided exactly as `authorize` decides, without
 * recording or raising anything: for listings that show a caller only what it may act on, where leaving
 * something out is not a refusal.
 */
export async function permits(c: Context<AppEnv>, action: Action, resource: Resource): Promise<boolean> {
  const principal = await principalOf(c);
  if (isAdminToken(principal)) return true;
  const policies = await policySetAt(database(c.env), principal.policySetVersion);
  const subject = { agent_id: principal.agentId, role: principal.role, attributes: principal.attributes };
  return decide(policies, subject, action, resource, { now: new Date(), request_id: c.get("requestId") }).allowed;
}
