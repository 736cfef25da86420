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

/**
 * A webhook URL as the API shows it: without its query string and fragment, where receivers often put an
 * access token (the delivery itself still goes to the whole URL).
 */
export function displayedUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

export const deliveryJson = (r: DeliveryRow): Delivery => ({
  delivery_id: r.deliveryId,
  notification_id: r.notificationId,
  trigger_id: r.triggerId,
  url: displayedUrl(r.url),
  status: r.status,
  attempts: r.attempts,
  last_status_code: r.lastStatusCode,
  last_error: r.lastError,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

/**
 * Newest first; ids sort by creation time, so the cursor is the last id. `owner`: only the deliveries of
 * that agent's triggers (undefined: all, for admins).
 */
export async function listDeliveries(
  db: Database,
  query: { limit: number; cursor?: string | undefined; status?: Delivery["status"] | undefined; trigger_id?: string | undefined },
  owner: string | undefined,
) {
  const before = decodeCursor(query.cursor);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        owner === undefined ? undefined : eq(webhookDeliveries.createdBy, owner),
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
export async function findDelivery(db: Database, deliveryId: string): Promise<DeliveryRow> {
  const [existing] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId));
  if (!existing) throw notFound("Webhook delivery", deliveryId);
  return existing;
}

export async function replayDelivery(db: Database, queue: Queue, existing: DeliveryRow, audit: Audit): Promise<Delivery> {
  const deliveryId = existing.deliveryId;
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
