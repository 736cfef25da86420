import { sql } from "drizzle-orm";
import type { JsonValue, MessageItem } from "../../durable-objects/agent/inbox-types";
import { auditWhere, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { agents } from "../db/schema";
import { notFound } from "../http/errors";
import { refusalError } from "./deliver";
import { inboxObject } from "./inbox-object";

type Audit = Omit<AuditEntry, "action" | "resource" | "status" | "details">;

/**
 * Delivers a direct message, then writes its audit row only if the target agent exists: one D1 round
 * trip that both records the send and checks the target, rather than a read before and a write after
 * (a send is the inbox's hot path). For an agent that does not exist the message is taken back before
 * anyone could see it (no agent, so no key to poll or connect with) and the answer is 404.
 */
export async function sendMessage(env: Env, db: Database, to: string, from: string, type: string, body: JsonValue, audit: Audit): Promise<MessageItem> {
  const inbox = inboxObject(env, to);
  const stored = await inbox.sendMessage(from, type, body);
  if ("reason" in stored) throw refusalError(to, stored);
  const recorded = await auditWhere(
    db,
    { ...audit, action: "inbox:send", resource: `inbox:${to}`, status: "success", details: { item_id: stored.item_id, type } },
    sql`EXISTS (SELECT 1 FROM ${agents} WHERE ${agents.agentId} = ${to})`,
  ).returning({ auditId: sql<string>`audit_id` });
  if (recorded.length === 0) {
    await inbox.retract(stored.item_id);
    throw notFound("Agent", to);
  }
  return { item_id: stored.item_id, kind: "message", created_at: stored.created_at, from_agent_id: from, type, body };
}
