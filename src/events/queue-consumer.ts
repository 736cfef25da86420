import { ApiError, invalidFromZod } from "../http/errors";
import { sha256Hex } from "../lib/crypto";
import { isoNow } from "../lib/time";
import type { Json } from "../workflows/definition/types";
import { type EventRecord, recordRejected } from "./event-store";
import { publishEvent } from "./publish";
import { readRoutingVersion } from "./routing-cache";
import { EventIdSchema, EventTypeNameSchema, PublishEventSchema } from "./schemas";

// The `switchyard-events` queue: the same JSON as POST /v1/events, from any Cloudflare Queues producer.
// Each message is one event, handled like a POST: a valid one is published (its runs started) and acked;
// one that is no valid event is recorded as rejected, with why, and acked (retrying cannot fix it); one
// that failed for a passing reason (D1 unavailable) is retried, and after the last retry the dead-letter
// queue tries once more and records it as rejected if that fails too. A message without an `event_id` is
// named by the message's own id, so a redelivery of it is a duplicate and starts nothing new.

/** Who queue events are published by: the runs they start name it as `started_by`. */
export const QUEUE_PUBLISHER = "queue:switchyard-events";

/** The event id of a message that brings none: the same for every delivery of that message. */
export const queueEventId = (messageId: string) => `evt_${sha256Hex(`queue:${messageId}`).slice(0, 26)}`;

/** Seconds before a retried message comes back: 2, 4, 8… up to a minute. */
const retryDelay = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What can be kept of a message that is no valid event: its id and type if they are well formed, its data if it is JSON. */
function rejectedRecord(body: unknown, messageId: string, rejection: EventRecord["rejection"]): EventRecord {
  const fields = isRecord(body) ? body : {};
  const receivedAt = isoNow();
  let data: Json | null = null;
  try {
    const text = JSON.stringify(isRecord(body) ? body.data : body);
    // Kept to look at, within reason: a huge or non-JSON payload is left out.
    if (text !== undefined && text.length <= 64 * 1024) data = JSON.parse(text) as Json;
  } catch {
    data = null; // not JSON (bytes, a cyclic value): nothing to keep but the rejection itself
  }
  return {
    event_id: EventIdSchema.safeParse(fields.event_id).success ? (fields.event_id as string) : queueEventId(messageId),
    type: EventTypeNameSchema.safeParse(fields.type).success ? (fields.type as string) : "(invalid)",
    source: typeof fields.source === "string" ? fields.source.slice(0, 200) : null,
    data,
    time: receivedAt,
    received_at: receivedAt,
    status: "rejected",
    rejection,
    publisher: "queue",
    published_by: QUEUE_PUBLISHER,
    depth: 0,
    caused_by: null,
  };
}

type Outcome = "published" | "rejected" | "retry";

/** One message: published, rejected (for good), or to be retried. */
async function handle(env: Env, message: Message, version: string, lastTry: boolean): Promise<Outcome> {
  const parsed = PublishEventSchema.safeParse(message.body);
  let refusal: ApiError;
  if (parsed.success) {
    try {
      await publishEvent(env, { ...parsed.data, event_id: parsed.data.event_id ?? queueEventId(message.id) }, { publisher: "queue", publishedBy: QUEUE_PUBLISHER, routingVersion: version });
      return "published";
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) refusal = error;
      else if (!lastTry) {
        console.warn(`events queue: message ${message.id} (attempt ${message.attempts}) failed; retrying`, error);
        return "retry";
      } else refusal = new ApiError("unavailable", `The event could not be handled after ${message.attempts} attempts: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else refusal = invalidFromZod(parsed.error, "event");
  await recordRejected(env.DB, rejectedRecord(message.body, message.id, { message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) }));
  return "rejected";
}

async function consume(batch: MessageBatch, env: Env, lastTry: boolean): Promise<void> {
  let version: string;
  try {
    version = await readRoutingVersion(env.DB);
  } catch (error) {
    console.warn(`events queue: D1 unavailable; ${batch.messages.length} message(s) will be retried`, error);
    batch.retryAll({ delaySeconds: 5 });
    return;
  }
  await Promise.all(
    batch.messages.map(async (message) => {
      let outcome: Outcome;
      try {
        outcome = await handle(env, message, version, lastTry);
      } catch (error) {
        // Even the rejection could not be recorded (D1 down): the message comes back later.
        console.warn(`events queue: message ${message.id} could not be handled or recorded; retrying`, error);
        outcome = "retry";
      }
      if (outcome === "retry") message.retry({ delaySeconds: retryDelay(message.attempts) });
      else message.ack();
    }),
  );
}

export const consumeEvents = (batch: MessageBatch, env: Env) => consume(batch, env, false);

/** The events queue's dead letters: one last try, then recorded as rejected with the reason. */
export const consumeDeadEvents = (batch: MessageBatch, env: Env) => consume(batch, env, true);
