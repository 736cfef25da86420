import { and, desc, eq, lt } from "drizzle-orm";
import { auditIfChanged, type AuditEntry } from "../../audit/audit-log";
import type { Database } from "../../db/client";
import { webhookDeliveries } from "../../db/schema";
import { ApiError, notFound } from "../../http/errors";
import { decodeCursor, page } from "../../lib/cursor";
import { isoNow } from "../../lib/time";
import type { DeliveryMessage } from "../dispatch";
import type { Delivery } from "../schemas";

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export const deliveryJson = (r: DeliveryRow): Delivery => ({
  delivery_id: r.deliveryId,
  notification_id: r.notificationId,
  trigger_id: r.triggerId,
  url: r.url,
  status: r.status,
  attempts: r.attempts,
  last_status_code: r.lastStatusCode,
  last_error: r.lastError,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

/** Newest first; ids sort by creation time, so the cursor is the last id. */
export async function listDeliveries(db: Database, query: { limit: number; cursor?: string | undefined; status?: Delivery["status"] | undefined; trigger_id?: string | undefined }) {
  const before = decodeCursor(query.cursor);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        query.status === undefined ? undefined : eq(webhookDeliveries.status, query.status),
        query.trigger_id === undefined ? undefined : eq(webhookDeliveries.triggerId, query.trigger_id),
        before === undefined ? undefined : lt(webhookDeliveries.deliveryId, before),
      ),
    )
    .orderBy(desc(webhookDeliveries.deliveryId))
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => r.deliveryId);
  return { items: result.items.map(deliveryJson), next_cursor: result.next_cursor };
}

/**
 * Sends a delivery again: back to `pending` and onto the queue, with a fresh round of attempts. Refused
 * (409) while it is pending or failed (still being retried): the queue has it already, and a second
 * message would race the first. Dead and succeeded deliveries may be replayed.
 */
export async function replayDelivery(db: Database, queue: Queue, deliveryId: string, audit: Audit): Promise<Delivery> {
  const [existing] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId));
  if (!existing) throw notFound("Webhook delivery", deliveryId);
  const busy = (status: string) =>
    new ApiError("conflict", `Webhook delivery '${deliveryId}' is ${status} and still queued for its attempts; replay it once it has succeeded or is dead.`, { status });
  if (existing.status === "pending" || existing.status === "failed") throw busy(existing.status);
  const [updated] = await db.batch([
    db
      .update(webhookDeliveries)
      .set({ status: "pending", lastError: null, updatedAt: isoNow() })
      .where(and(eq(webhookDeliveries.deliveryId, deliveryId), eq(webhookDeliveries.status, existing.status)))
      .returning(),
    auditIfChanged(db, { ...audit, action: "webhook:replay", resource: `trigger:${existing.triggerId}`, status: "success", details: { delivery_id: deliveryId, was: existing.status } }),
  ]);
  const row = updated[0];
  // Another replay (or an attempt) changed it between the read and the update.
  if (!row) throw busy("changing");
  await queue.send({ kind: "webhook", delivery_id: deliveryId } satisfies DeliveryMessage);
  return deliveryJson(row);
}
