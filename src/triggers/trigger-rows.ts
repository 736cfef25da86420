import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { triggers } from "../db/schema";
import { notFound } from "../http/errors";
import type { Trigger, TriggerAction, TriggerActionInput } from "./schemas";

export type TriggerRow = typeof triggers.$inferSelect;

/** What `_triggers.action` holds: the action without its secret, which lives in `_trigger_secrets`. */
export function storedAction(action: TriggerActionInput): TriggerAction {
  if (action.type === "webhook") return { type: "webhook", url: action.url, secret_set: true };
  return action;
}

export function triggerJson(row: TriggerRow): Trigger {
  return {
    trigger_id: row.triggerId,
    name: row.name,
    description: row.description,
    concept: row.concept,
    threshold: row.threshold,
    action: JSON.parse(row.action) as TriggerAction,
    cooldown_seconds: row.cooldownSeconds,
    namespaces: row.namespaces === null ? null : (JSON.parse(row.namespaces) as string[]),
    enabled: row.enabled,
    created_by: row.createdBy,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    last_fired_at: row.lastFiredAt,
  };
}

export async function findTrigger(db: Database, triggerId: string): Promise<TriggerRow> {
  const [row] = await db.select().from(triggers).where(eq(triggers.triggerId, triggerId));
  if (!row) throw notFound("Trigger", triggerId);
  return row;
}
