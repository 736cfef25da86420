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
export const idempotent: MiddlewareHandler<AppEnv> = idempotency();

/**
 * The same, for a route whose success carries a secret in `fields` (an API key, later a hook's key):
 * the secret is never written to `_idempotency_keys`. What is remembered is the response without it, and
 * a retry is told, with 409, that the secret was issued to the first request and is not shown again,
 * with the rest of that first response (so the client can revoke what it never received).
 */
export const idempotentWithSecret = (...fields: [string, ...string[]]): MiddlewareHandler<AppEnv> => idempotency(fields);

function idempotency(secretFields: readonly string[] = []): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
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
        set: { requestHash, responseStatus: null, responseBody: null, secretWithheld: false, createdAt: now, expiresAt: isoAfterSeconds(IDEMPOTENCY_TTL_SECONDS) },
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
      if (first.secretWithheld) throw secretNotReplayed(first.responseBody);
      return new Response(first.responseBody, {
        status: first.responseStatus,
        headers: { "content-type": "application/json", "idempotent-replayed": "true" },
      });
    }

    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      const body = await c.res.clone().text();
      const remembered = secretFields.length ? withoutSecrets(body, secretFields) : body;
      await db
        .update(idempotencyKeys)
        .set({ responseStatus: c.res.status, responseBody: remembered, secretWithheld: secretFields.length > 0 })
        .where(eq(idempotencyKeys.scope, scope));
    } else {
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.scope, scope));
    }
  };
}

/** The JSON body with the secret fields taken out (at the top level, where the routes put them). */
function withoutSecrets(body: string, fields: readonly string[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: nothing can be told apart from the secret, so nothing of it is kept.
    return "{}";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "{}";
  const kept = Object.fromEntries(Object.entries(parsed).filter(([name]) => !fields.includes(name)));
  return JSON.stringify(kept);
}

function secretNotReplayed(rememberedBody: string): ApiError {
  let first: unknown = null;
  try {
    first = JSON.parse(rememberedBody);
  } catch {
    // written by withoutSecrets, so always JSON; were it not, the 409 still says what happened
  }
  return new ApiError(
    "conflict",
    "The first request with this Idempotency-Key succeeded and its answer carried a secret, which is shown only once and is not stored. " +
      "If that answer was lost, revoke what it created (details.first_response) and send a new request with a new key.",
    { reason: "secret_not_replayed", first_response: first },
  );
}

/** Run by the cron: forgets responses older than the retention window. */
export async function purgeExpiredIdempotencyKeys(env: Env): Promise<void> {
  await database(env).delete(idempotencyKeys).where(sql`${idempotencyKeys.expiresAt} < ${isoNow()}`);
}
