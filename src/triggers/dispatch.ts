import { z } from "zod";
import { publishPlatformEvent } from "../events/platform-events";
import { emitTriggerEvent } from "../events/trigger-events";
import { deliverToInbox } from "../inbox/deliver";
import { isoNow } from "../lib/time";
import type { Firing } from "./firing";
import type { Notification } from "./schemas";

/** What the DELIVERIES queue carries: a reference to a durable row, never the work itself. */
export const DeliveryMessageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("notify"), notification_id: z.string().min(1).max(64) }),
  z.object({ kind: z.literal("webhook"), delivery_id: z.string().min(1).max(64) }),
  // A finished run's trace for the deployment's OTLP collector (src/observability/otlp-export.ts).
  z.object({ kind: z.literal("otlp_trace"), run_id: z.string().regex(/^run_[0-9a-z]{26}$/) }),
]);
export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;

/** One store fires a trigger once: the inbox keeps the first item of a key and ignores repeats. */
export const notificationDedupeKey = (n: Pick<Notification, "trigger_id" | "source_memory_id">) => `trigger:${n.trigger_id}:${n.source_memory_id}`;

export function notifyInbox(env: Env, targetAgentId: string, notification: Notification) {
  return deliverToInbox(env, targetAgentId, { kind: "notification", dedupe_key: notificationDedupeKey(notification), notification });
}

/**
 * The `trigger.fired` platform event, for workflows that subscribe to it (nothing is read or written when
 * none does). A failure is logged, not the firing's: its own action is what the trigger promised.
 */
async function announceFiring(env: Env, firing: Firing): Promise<void> {
  const n = firing.notification;
  try {
    await publishPlatformEvent(env, {
      type: "trigger.fired",
      key: `trigger.fired:${n.notification_id}`,
      data: { notification_id: n.notification_id, trigger_id: n.trigger_id, trigger_name: n.trigger_name, memory_id: n.source_memory_id, agent_id: n.agent_id, score: n.score, action_type: firing.actionType },
    });
  } catch (error) {
    console.error(`trigger.fired for ${n.notification_id} could not be published`, error);
  }
}

const markDispatched = (db: D1Database, notificationId: string) =>
  db.prepare("UPDATE _trigger_firings SET status = 'dispatched', dispatched_at = ? WHERE notification_id = ? AND status = 'pending'").bind(isoNow(), notificationId).run();

/**
 * Carries out a recorded firing's action, or hands it to the DELIVERIES queue, which retries. An
 * `agent_notify` goes straight into the inbox first (the fast path: pollable milliseconds after the
 * store's response); if that throws, the queue takes over. A webhook always goes through the queue (its
 * retries, backoff and dead letters live there). The firing stays `pending` until one of them has it, so
 * if this isolate dies half-way the cron finds it and dispatches it again; the inbox's dedupe key and the
 * delivery row's status make a second dispatch harmless.
 */
export async function dispatchFiring(env: Env, firing: Firing): Promise<void> {
  const id = firing.notification.notification_id;
  await announceFiring(env, firing);
  if (firing.actionType === "write_event") return; // its audit row was written with the firing
  if (firing.actionType === "agent_notify" && firing.targetAgentId !== null) {
    try {
      await notifyInbox(env, firing.targetAgentId, firing.notification);
    } catch (err) {
      console.warn(`notification ${id}: direct inbox delivery failed, queued for retry`, err);
      await env.DELIVERIES.send({ kind: "notify", notification_id: id } satisfies DeliveryMessage);
    }
  } else if (firing.actionType === "webhook" && firing.deliveryId !== null) {
    await env.DELIVERIES.send({ kind: "webhook", delivery_id: firing.deliveryId } satisfies DeliveryMessage);
  } else if (firing.actionType === "emit_event" && firing.eventType !== null) {
    // Until it is published the firing stays pending, and the cron dispatches it again (same event id).
    await emitTriggerEvent(env, firing.eventType, firing.notification);
  }
  await markDispatched(env.DB, id);
}
