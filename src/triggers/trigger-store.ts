import { eq, gt, sql } from "drizzle-orm";
import { agentExists } from "../agents/agents";
import { auditIfChanged, auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { triggerSecrets, triggerVectors, triggerVersion, triggers } from "../db/schema";
import { ApiError, notFound } from "../http/errors";
import { decodeCursor, page } from "../lib/cursor";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";
import type { Embedder } from "../memory/embeddings";
import { embedQuery } from "../memory/memory-writes";
import { cosine, vectorBytes, vectorFromBlob } from "./concept-vector";
import type { CreateTrigger, Trigger, TriggerActionInput, UpdateTrigger } from "./schemas";
import { type TriggerRow, findTrigger, storedAction, triggerJson } from "./trigger-rows";
import { assertWebhookUrl } from "./webhooks/url-guard";

type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export interface TriggerServices {
  db: Database;
  embedder: Embedder;
  env: Pick<Env, "WEBHOOK_ALLOW_PRIVATE">;
}

/** Refuses, as 400 naming the field, an action that could never run: a missing target, a non-public URL. */
async function validateAction(s: TriggerServices, action: TriggerActionInput): Promise<void> {
  if (action.type === "agent_notify" && !(await agentExists(s.db, action.target_agent_id)))
    throw new ApiError("invalid_request", `The target agent '${action.target_agent_id}' does not exist; register it first.`, [
      { path: "action.target_agent_id", message: "no such agent" },
    ]);
  if (action.type === "webhook") await assertWebhookUrl(action.url, s.env);
}

/** Every definition change bumps the version, so isolates that cached the triggers reload them. */
const bumpVersion = (db: Database) => db.update(triggerVersion).set({ version: sql`${triggerVersion.version} + 1` }).where(eq(triggerVersion.id, 1));

const upsertVector = (db: Database, triggerId: string, model: string, vector: Float32Array) =>
  db
    .insert(triggerVectors)
    .values({ triggerId, model, vector: vectorBytes(vector) })
    .onConflictDoUpdate({ target: triggerVectors.triggerId, set: { model, vector: vectorBytes(vector) } });

const upsertSecret = (db: Database, triggerId: string, secret: string) =>
  db.insert(triggerSecrets).values({ triggerId, secret }).onConflictDoUpdate({ target: triggerSecrets.triggerId, set: { secret } });

export async function createTrigger(s: TriggerServices, input: CreateTrigger, audit: Audit): Promise<Trigger> {
  await validateAction(s, input.action);
  const vector = await embedQuery(s.embedder, input.concept);
  const now = isoNow();
  const row: TriggerRow = {
    triggerId: newId("trg"),
    name: input.name,
    description: input.description ?? null,
    concept: input.concept,
    threshold: input.threshold,
    action: JSON.stringify(storedAction(input.action)),
    cooldownSeconds: input.cooldown_seconds,
    namespaces: input.namespaces ? JSON.stringify([...new Set(input.namespaces)]) : null,
    enabled: input.enabled,
    createdBy: audit.agentId,
    createdAt: now,
    updatedAt: now,
    lastFiredAt: null,
  };
  await s.db.batch([
    s.db.insert(triggers).values(row),
    upsertVector(s.db, row.triggerId, s.embedder.model, vector),
    ...(input.action.type === "webhook" ? [upsertSecret(s.db, row.triggerId, input.action.secret)] : []),
    bumpVersion(s.db),
    auditInsert(s.db, { ...audit, action: "trigger:create", resource: `trigger:${row.triggerId}`, status: "success", details: { name: row.name, action: input.action.type } }),
  ]);
  return triggerJson(row);
}

export async function updateTrigger(s: TriggerServices, triggerId: string, patch: UpdateTrigger, audit: Audit): Promise<Trigger> {
  const current = await findTrigger(s.db, triggerId);
  if (patch.action) await validateAction(s, patch.action);
  const vector = patch.concept !== undefined && patch.concept !== current.concept ? await embedQuery(s.embedder, patch.concept) : undefined;
  const set: Partial<TriggerRow> = { updatedAt: isoNow() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.concept !== undefined) set.concept = patch.concept;
  if (patch.threshold !== undefined) set.threshold = patch.threshold;
  if (patch.action !== undefined) set.action = JSON.stringify(storedAction(patch.action));
  if (patch.cooldown_seconds !== undefined) set.cooldownSeconds = patch.cooldown_seconds;
  if (patch.namespaces !== undefined) set.namespaces = patch.namespaces === null ? null : JSON.stringify([...new Set(patch.namespaces)]);
  if (patch.enabled !== undefined) set.enabled = patch.enabled;
  const secretChange =
    patch.action === undefined
      ? []
      : patch.action.type === "webhook"
        ? [upsertSecret(s.db, triggerId, patch.action.secret)]
        : [s.db.delete(triggerSecrets).where(eq(triggerSecrets.triggerId, triggerId))];
  const [updated] = await s.db.batch([
    s.db.update(triggers).set(set).where(eq(triggers.triggerId, triggerId)).returning(),
    ...(vector ? [upsertVector(s.db, triggerId, s.embedder.model, vector)] : []),
    ...secretChange,
    bumpVersion(s.db),
    auditInsert(s.db, { ...audit, action: "trigger:update", resource: `trigger:${triggerId}`, status: "success", details: { fields: Object.keys(patch) } }),
  ]);
  const row = updated[0];
  // Deleted between the read and the write: the batch changed nothing that matters but the version.
  if (!row) throw notFound("Trigger", triggerId);
  return triggerJson(row);
}

export async function deleteTrigger(db: Database, triggerId: string, audit: Audit): Promise<void> {
  const [deleted] = await db.batch([
    db.delete(triggers).where(eq(triggers.triggerId, triggerId)).returning({ triggerId: triggers.triggerId }),
    auditIfChanged(db, { ...audit, action: "trigger:delete", resource: `trigger:${triggerId}`, status: "success" }),
    db.delete(triggerVectors).where(eq(triggerVectors.triggerId, triggerId)),
    db.delete(triggerSecrets).where(eq(triggerSecrets.triggerId, triggerId)),
    bumpVersion(db),
  ]);
  if (deleted.length === 0) throw notFound("Trigger", triggerId);
}

export async function listTriggers(db: Database, limit: number, cursor?: string) {
  const after = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(triggers)
    .where(after === undefined ? undefined : gt(triggers.triggerId, after))
    .orderBy(triggers.triggerId)
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.triggerId);
  return { items: result.items.map(triggerJson), next_cursor: result.next_cursor };
}

/** `POST /v1/triggers/{id}/test`: the score a memory with this content would get, without storing it. */
export async function testTrigger(s: TriggerServices, triggerId: string, content: string) {
  const row = await findTrigger(s.db, triggerId);
  const [stored] = await s.db.select({ vector: triggerVectors.vector }).from(triggerVectors).where(eq(triggerVectors.triggerId, triggerId));
  if (!stored) throw notFound("Trigger", triggerId);
  const score = cosine(await embedQuery(s.embedder, content), vectorFromBlob(stored.vector));
  return { matched: score >= row.threshold, score, threshold: row.threshold, trigger_name: row.name };
}
