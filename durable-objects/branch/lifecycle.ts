import type { Actor } from "../../src/branches/outcome";
import { auditRow } from "../../src/audit/audit-log";

export type ClosedStatus = "discarded" | "expired";

/**
 * Moves an open branch to discarded or expired in the registry, with its audit row in the same batch
 * (written only if the row changed). `onlyIfDue` makes an expiry wait for the branch's own expires_at.
 * Answers whether this call closed it.
 */
export async function closeInRegistry(db: D1Database, branchId: string, status: ClosedStatus, actor: Actor, at: string, onlyIfDue = false): Promise<boolean> {
  const r = auditRow({ ...actor, action: status === "expired" ? "branch:expire" : "branch:discard", resource: `branch:${branchId}`, status: "success" });
  const [update] = await db.batch([
    db
      .prepare(`UPDATE _branches SET status = ?, closed_at = ? WHERE branch_id = ? AND status = 'open'${onlyIfDue ? " AND expires_at <= ?" : ""}`)
      .bind(status, at, branchId, ...(onlyIfDue ? [at] : [])),
    db
      .prepare("INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0")
      .bind(r.auditId, r.agentId, r.action, r.resource, r.status, r.requestId, r.at, r.details),
  ]);
  return (update?.meta.changes ?? 0) > 0;
}
