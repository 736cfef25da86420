import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import type { Notification } from "./schemas";
import type { TriggerMatch } from "./trigger-set";

/** A decided firing: the notification it carries and how its action is to be carried out. */
export interface Firing {
  notification: Notification;
  actionType: "agent_notify" | "webhook" | "write_event" | "emit_event";
  targetAgentId: string | null;
  /** For `emit_event`: the type of the event to publish. */
  eventType: string | null;
  /** The webhook delivery created with the firing, for webhook actions. */
  deliveryId: string | null;
}

export interface StoredMemoryRef {
  memoryId: string;
  namespace: string;
}

/** The webhook body: the notification, wrapped so receivers can tell event types apart later. */
export const webhookPayload = (n: Notification) => JSON.stringify({ event_id: n.notification_id, type: "trigger.fired", created_at: n.created_at, data: n });

/**
 * Fires a matched trigger for one stored memory, or learns it must not. One D1 batch (one transaction):
 * 1. the cooldown claim, an atomic conditional UPDATE: it succeeds only if the trigger is still enabled,
 *    has not fired within its cooldown, and has not fired for this memory before. Of any number of stores
 *    racing inside one window exactly one claim changes the row; no read-then-write gap to race through;
 * 2. the firing row, inserted only if the claim changed a row (`changes() > 0`);
 * 3. the action's own durable record, under the same condition: a webhook delivery row, or for
 *    `write_event` the audit entry itself.
 * So a firing is either decided and recorded, with what it must still do, or not decided at all.
 */
export async function claimFiring(db: D1Database, match: TriggerMatch, memory: StoredMemoryRef): Promise<Firing | undefined> {
  const { trigger, score } = match;
  const now = isoNow();
  const notification: Notification = {
    notification_id: newId("ntf"),
    trigger_id: trigger.triggerId,
    trigger_name: trigger.name,
    source_memory_id: memory.memoryId,
    agent_id: memory.namespace,
    score,
    created_at: now,
  };
  const action = trigger.action;
  const targetAgentId = action.type === "agent_notify" ? action.target_agent_id : null;
  const deliveryId = action.type === "webhook" ? newId("dlv") : null;
  const eventType = action.type === "emit_event" ? action.event_type : null;
  const status = action.type === "write_event" ? "dispatched" : "pending";

  const statements = [
    db
      .prepare(
        `UPDATE _triggers SET last_fired_at = ?1
          WHERE trigger_id = ?2 AND enabled = 1
            AND (last_fired_at IS NULL OR last_fired_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-' || cooldown_seconds || ' seconds'))
            AND NOT EXISTS (SELECT 1 FROM _trigger_firings WHERE trigger_id = ?2 AND memory_id = ?3)`,
      )
      .bind(now, trigger.triggerId, memory.memoryId),
    db
      .prepare(
        `INSERT INTO _trigger_firings (notification_id, trigger_id, trigger_name, memory_id, agent_id, score, action_type, target_agent_id, status, created_at, dispatched_at, event_type)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() > 0
         RETURNING notification_id`,
      )
      .bind(notification.notification_id, trigger.triggerId, trigger.name, memory.memoryId, memory.namespace, score, action.type, targetAgentId, status, now, status === "dispatched" ? now : null, eventType),
  ];
  if (action.type === "webhook")
    statements.push(
      db
        .prepare(
          `INSERT INTO _webhook_deliveries (delivery_id, notification_id, trigger_id, url, payload, status, attempts, created_at, updated_at, created_by)
           SELECT ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ? WHERE changes() > 0`,
        )
        .bind(deliveryId, notification.notification_id, trigger.triggerId, action.url, webhookPayload(notification), now, now, trigger.createdBy),
    );
  if (action.type === "write_event")
    statements.push(
      db
        .prepare(
          `INSERT INTO _audit_log (audit_id, agent_id, action, resource, status, request_id, at, details)
           SELECT ?, ?, 'trigger:fire', ?, 'success', NULL, ?, ? WHERE changes() > 0`,
        )
        .bind(newId("aud"), "system:triggers", `trigger:${trigger.triggerId}`, now, JSON.stringify(notification)),
    );
  const results = await db.batch(statements);
  return results[1]?.results.length ? { notification, actionType: action.type, targetAgentId, deliveryId, eventType } : undefined;
}
