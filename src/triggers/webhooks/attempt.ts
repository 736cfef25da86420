import { isoNow } from "../../lib/time";
import { webhookRequest } from "./signing";
import { allowsPrivateWebhooks, webhookUrlRefusal } from "./url-guard";

const ATTEMPT_TIMEOUT_MS = 10_000;

export type AttemptOutcome = { done: true } | { done: false; retryInSeconds: number };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelaySeconds: number;
}

/** From the deployment's vars: WEBHOOK_MAX_ATTEMPTS (default 6) and WEBHOOK_RETRY_BASE_SECONDS (default 30). */
export function retryPolicy(env: Pick<Env, "WEBHOOK_MAX_ATTEMPTS" | "WEBHOOK_RETRY_BASE_SECONDS">): RetryPolicy {
  const int = (v: string | undefined, fallback: number, min: number) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= min ? Math.floor(n) : fallback;
  };
  return { maxAttempts: int(env.WEBHOOK_MAX_ATTEMPTS, 6, 1), baseDelaySeconds: int(env.WEBHOOK_RETRY_BASE_SECONDS, 30, 0) };
}

/** base, 2×base, 4×base, … capped at 12 h (the longest delay Queues accepts). */
export const backoffSeconds = (policy: RetryPolicy, attempt: number) => Math.min(policy.baseDelaySeconds * 2 ** Math.max(0, attempt - 1), 12 * 3600);

interface DeliveryRow {
  delivery_id: string;
  notification_id: string;
  trigger_id: string;
  url: string;
  payload: string;
  status: string;
  secret: string | null;
}

async function finish(db: D1Database, id: string, status: "succeeded" | "failed" | "dead", code: number | null, error: string | null) {
  await db
    .prepare("UPDATE _webhook_deliveries SET status = ?, last_status_code = ?, last_error = ?, updated_at = ? WHERE delivery_id = ?")
    .bind(status, code, error, isoNow(), id)
    .run();
}

/**
 * One delivery attempt. `attempt` is this message's attempt number (1 for the first, counting again from
 * 1 after a replay), and decides between a retry and the dead letter; the row's `attempts` counts every
 * attempt ever made and is what the `X-Switchyard-Delivery-Attempt` header says.
 */
export async function attemptWebhook(env: Env, deliveryId: string, attempt: number): Promise<AttemptOutcome> {
  const db = env.DB;
  const row = await db
    .prepare("SELECT d.*, s.secret FROM _webhook_deliveries d LEFT JOIN _trigger_secrets s ON s.trigger_id = d.trigger_id WHERE d.delivery_id = ?")
    .bind(deliveryId)
    .first<DeliveryRow>();
  if (!row || row.status === "succeeded" || row.status === "dead") return { done: true };
  if (row.secret === null) {
    await finish(db, deliveryId, "dead", null, "the trigger (or its webhook secret) was deleted or changed; nothing can sign this delivery");
    return { done: true };
  }
  // Checked again now: a name that was public when the trigger was saved may point inside since.
  const refusal = await webhookUrlRefusal(row.url, { allowPrivate: allowsPrivateWebhooks(env) });
  if (refusal) {
    await finish(db, deliveryId, "dead", null, `refused: the URL ${refusal}`);
    return { done: true };
  }
  const counted = await db
    .prepare("UPDATE _webhook_deliveries SET attempts = attempts + 1, updated_at = ? WHERE delivery_id = ? RETURNING attempts")
    .bind(isoNow(), deliveryId)
    .first<{ attempts: number }>();
  const request = await webhookRequest(row.secret, row.payload, row.notification_id, counted?.attempts ?? attempt);
  let code: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(row.url, { method: "POST", body: request.body, headers: request.headers, redirect: "manual", signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    code = res.status;
    await res.body?.cancel();
    if (res.ok) {
      await finish(db, deliveryId, "succeeded", code, null);
      return { done: true };
    }
    // A redirect is not followed: its target was never checked against the address rules.
    error = res.status >= 300 && res.status < 400 ? `redirected (HTTP ${res.status}); webhooks do not follow redirects` : `HTTP ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const policy = retryPolicy(env);
  if (attempt >= policy.maxAttempts) {
    await finish(db, deliveryId, "dead", code, `${error} (attempt ${attempt} of ${policy.maxAttempts}; replay it with POST /v1/webhooks/deliveries/${deliveryId}/replay)`);
    return { done: true };
  }
  await finish(db, deliveryId, "failed", code, error);
  return { done: false, retryInSeconds: backoffSeconds(policy, attempt) };
}

/** A delivery the queue gave up on (its dead-letter queue): recorded as dead unless it got through. */
export async function markDeliveryDead(db: D1Database, deliveryId: string, reason: string): Promise<void> {
  await db
    .prepare("UPDATE _webhook_deliveries SET status = 'dead', last_error = coalesce(last_error || '; ', '') || ?, updated_at = ? WHERE delivery_id = ? AND status NOT IN ('succeeded', 'dead')")
    .bind(reason, isoNow(), deliveryId)
    .run();
}
