import { ApiError, invalidFromZod } from "../http/errors";
import { sha256Hex } from "../lib/crypto";
import { isoNow } from "../lib/time";
import type { Json } from "../workflows/definition/types";
import { type EventRecord, recordRejected } from "./event-store";
import { type Published, publishEvents } from "./publish";
import { readRoutingVersion } from "./routing-cache";
import { EventIdSchema, EventTypeNameSchema, type PublishEvent, PublishEventSchema } from "./schemas";

// The `switchyard-events` queue: the same JSON as POST /v1/events, from any Cloudflare Queues producer.
// Each message is one event, handled like a POST: a valid one is published (its runs started) and acked;
// one that is no valid event is recorded as rejected, with why, and acked (retrying cannot fix it); one
// that failed for a passing reason (D1 unavailable) is retried, and after the last retry the dead-letter
// queue tries once more and records it as rejected if that fails too. A batch's valid events are claimed
// together and their runs started together (publishEvents). A message without an `event_id` is
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

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One batch: the valid messages published together (one claim batch, runs started together), each refused
 * one recorded as rejected; all acked, unless the batch could not be handled for a passing reason (retried,
 * or on the dead letters' last try, recorded as rejected).
 */
async function consume(batch: MessageBatch, env: Env, lastTry: boolean): Promise<void> {
  const reject = async (message: Message, refusal: ApiError) => {
    await recordRejected(env.DB, rejectedRecord(message.body, message.id, { message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) }));
  };
  const settle = async (message: Message, work: () => Promise<void>) => {
    try {
      await work();
      message.ack();
    } catch (error) {
      // Even the rejection could not be recorded (D1 down): the message comes back later.
      console.warn(`events queue: message ${message.id} could not be recorded; retrying`, error);
      message.retry({ delaySeconds: retryDelay(message.attempts) });
    }
  };

  const valid: { message: Message; input: PublishEvent }[] = [];
  const invalid: { message: Message; refusal: ApiError }[] = [];
  for (const message of batch.messages) {
    const parsed = PublishEventSchema.safeParse(message.body);
    if (parsed.success) valid.push({ message, input: { ...parsed.data, event_id: parsed.data.event_id ?? queueEventId(message.id) } });
    else invalid.push({ message, refusal: invalidFromZod(parsed.error, "event") });
  }
  const rejections = invalid.map(({ message, refusal }) => settle(message, () => reject(message, refusal)));

  let outcomes: (Published | ApiError)[] | undefined;
  let failure: unknown;
  if (valid.length > 0) {
    try {
      outcomes = await publishEvents(env, valid.map((v) => v.input), { publisher: "queue", publishedBy: QUEUE_PUBLISHER, routingVersion: await readRoutingVersion(env.DB) });
    } catch (error) {
      failure = error;
    }
  }
  await Promise.all([
    ...rejections,
    ...valid.map(({ message }, i) => {
      const outcome = outcomes?.[i];
      if (outcome instanceof ApiError) return settle(message, () => reject(message, outcome));
      if (outcome !== undefined) {
        message.ack();
        return Promise.resolve();
      }
      if (lastTry) return settle(message, () => reject(message, new ApiError("unavailable", `The event could not be handled after ${message.attempts} attempts: ${describe(failure)}`)));
      console.warn(`events queue: message ${message.id} (attempt ${message.attempts}) failed; retrying`, failure);
      message.retry({ delaySeconds: retryDelay(message.attempts) });
      return Promise.resolve();
    }),
  ]);
}

export const consumeEvents = (batch: MessageBatch, env: Env) => consume(batch, env, false);

/** The events queue's dead letters: one last try, then recorded as rejected with the reason. */
export const consumeDeadEvents = (batch: MessageBatch, env: Env) => consume(batch, env, true);
