import { and, eq, isNull } from "drizzle-orm";
import { auditIfChanged, auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { agentKeys } from "../db/schema";
import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { isoNow } from "../lib/time";

/** Agent keys look like `sy_` + 43 base62 characters (256 bits). Only their SHA-256 is stored. */
export const KEY_PREFIX = "sy_";
const SECRET_LENGTH = 43;
/**
 * Enough of the key's hash to find its row by index; the full hash comparison decides. It is taken
 * from the hash, not the key, so that no character of the key itself is ever stored.
 */
const LOOKUP_LENGTH = 16;

export const keyLookup = (keyHash: string) => keyHash.slice(0, LOOKUP_LENGTH);

export interface IssuedKey {
  key_id: string;
  agent_id: string;
  api_key: string;
  created_at: string;
}

type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export async function issueKey(db: Database, agentId: string, audit: Audit): Promise<IssuedKey> {
  const apiKey = KEY_PREFIX + randomToken(SECRET_LENGTH);
  const keyHash = sha256Hex(apiKey);
  const row = { keyId: newId("key"), agentId, lookup: keyLookup(keyHash), keyHash, createdAt: isoNow() };
  await db.batch([
    db.insert(agentKeys).values(row),
    auditInsert(db, { ...audit, action: "key:create", resource: `agent:${agentId}`, status: "success", details: { key_id: row.keyId } }),
  ]);
  return { key_id: row.keyId, agent_id: agentId, api_key: apiKey, created_at: row.createdAt };
}

/** Revokes at once: authentication reads the key row on every request, so the next call fails. */
export async function revokeKey(db: Database, agentId: string, keyId: string, audit: Audit): Promise<boolean> {
  const [revoked] = await db.batch([
    db
      .update(agentKeys)
      .set({ revokedAt: isoNow() })
      .where(and(eq(agentKeys.keyId, keyId), eq(agentKeys.agentId, agentId), isNull(agentKeys.revokedAt)))
      .returning({ keyId: agentKeys.keyId }),
    auditIfChanged(db, { ...audit, action: "key:revoke", resource: `agent:${agentId}`, status: "success", details: { key_id: keyId } }),
  ]);
  return revoked.length > 0;
}

export async function listKeys(db: Database, agentId: string) {
  const rows = await db
    .select({ keyId: agentKeys.keyId, createdAt: agentKeys.createdAt, revokedAt: agentKeys.revokedAt })
    .from(agentKeys)
    .where(eq(agentKeys.agentId, agentId))
    .orderBy(agentKeys.keyId);
  return rows.map((r) => ({ key_id: r.keyId, agent_id: agentId, created_at: r.createdAt, revoked_at: r.revokedAt }));
}
