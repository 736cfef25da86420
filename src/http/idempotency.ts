import { sql } from "drizzle-orm";
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { database } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { isoAfterSeconds, isoNow } from "../lib/time";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * For creating POSTs: the first request with an `Idempotency-Key` claims it; a retry with the same key
 * and body gets the first response back and creates nothing. Only successes are remembered, so a
 * request that failed can be corrected and sent again with the same key.
 */
export const idempotent: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (key.length < 1 || key.length > 255) {
    throw new ApiError("invalid_request", "Idempotency-Key must be 1-255 characters.", [
      { path: "Idempotency-Key", message: "must be 1-255 characters" },
    ]);
  }
  const principal = c.get("principal");
  const scope = `${principal.agentId} ${c.req.method} ${c.req.path} ${key}`;
  const requestHash = sha256Hex(await c.req.text());
  const db = database(c.env);
  const now = isoNow();

  // One statement claims the key, or takes it over once the remembered response has expired.
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ scope, requestHash, createdAt: now, expiresAt: isoAfterSeconds(IDEMPOTENCY_TTL_SECONDS) })
    .onConflictDoUpdate({
      target: idempotencyKeys.scope,
      set: { requestHash, responseStatus: null, responseBody: null, createdAt: now, expiresAt: isoAfterSeconds(IDEMPOTENCY_TTL_SECONDS) },
      setWhere: sql`${idempotencyKeys.expiresAt} < ${now}`,
    })
    .returning({ scope: idempotencyKeys.scope });

  if (claimed.length === 0) {
    const [first] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.scope, scope));
    if (first && first.requestHash !== requestHash)
      throw new ApiError("conflict", "This Idempotency-Key was already used with a different request body; use a new key.", {
        reason: "idempotency_key_reused",
      });
    if (!first || first.responseStatus === null || first.responseBody === null) {
      // Retry-After marks this 409 as "ask again": the first request is still being carried out.
      c.header("Retry-After", "1");
      throw new ApiError("conflict", "A request with this Idempotency-Key is still in progress; retry shortly.", {
        reason: "idempotency_in_progress",
      });
    }
    return new Response(first.responseBody, {
      status: first.responseStatus,
      headers: { "content-type": "application/json", "idempotent-replayed": "true" },
    });
  }

  await next();
  if (c.res.status >= 200 && c.res.status < 300) {
    const body = await c.res.clone().text();
    await db.update(idempotencyKeys).set({ responseStatus: c.res.status, responseBody: body }).where(eq(idempotencyKeys.scope, scope));
  } else {
    await db.delete(idempotencyKeys).where(eq(idempotencyKeys.scope, scope));
  }
};

/** Run by the cron: forgets responses older than the retention window. */
export async function purgeExpiredIdempotencyKeys(env: Env): Promise<void> {
  await database(env).delete(idempotencyKeys).where(sql`${idempotencyKeys.expiresAt} < ${isoNow()}`);
}
