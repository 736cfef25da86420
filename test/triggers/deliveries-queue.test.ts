import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { storeMemory } from "../../src/memory/memory-writes";
import { memoryServices } from "../../src/memory/services";
import { useResolverForTests } from "../../src/triggers/webhooks/resolver";
import { api, expectError } from "../helpers";
import { CONCEPT, MATCHING, cast, createTrigger, drainInbox, eventually, firingsOf, store } from "./trigger-helpers";

const SECRET = "whsec_test_0123456789abcdef";
const RECEIVER = "https://hooks.example.com";

/**
 * The receiving end of the webhooks, in this isolate: fetch is replaced for the receiver's host only
 * (this machine has no outside network, and nothing may be sent to outside addresses). The real local
 * server with a real receiver is exercised by test/e2e/webhooks.test.ts.
 */
interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}
const received: Received[] = [];
let answers: number[] = [];
const realFetch = globalThis.fetch;

beforeAll(() => {
  useResolverForTests({ resolve: async (name) => (name === "hooks.example.com" ? ["93.184.216.34"] : name === "inside.example.com" ? ["10.0.0.9"] : []) });
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(RECEIVER)) return realFetch(input, init);
    received.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
    return new Response("ok", { status: answers.shift() ?? 200 });
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
  useResolverForTests(undefined);
});
beforeEach(() => {
  received.length = 0;
  answers = [];
});

async function hmacHex(secret: string, text: string) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function webhookTrigger(path: string) {
  const people = await cast();
  const trigger = await createTrigger(people.coordinator.key, {
    name: "segment hook",
    concept: CONCEPT,
    threshold: 0.3,
    action: { type: "webhook", url: `${RECEIVER}${path}`, secret: SECRET },
    namespaces: [people.ns],
  });
  return { ...people, trigger };
}

const deliveryOf = (notificationId: string) => env.DB.prepare("SELECT * FROM _webhook_deliveries WHERE notification_id = ?").bind(notificationId).first<Record<string, any>>();

/** Runs the consumer on one message; `delays` are the `delaySeconds` it asked retries for (getQueueResult omits them). */
async function runDeliveries(deliveryId: string, attempts: number, queue = "switchyard-deliveries") {
  const batch = createMessageBatch(queue, [{ id: `m-${attempts}`, timestamp: new Date(), attempts, body: { kind: "webhook", delivery_id: deliveryId } }]);
  const delays: Array<number | undefined> = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options) => {
      delays.push(options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** A fired webhook trigger whose first queued attempt has already been made (and answered 500). */
async function failedDelivery(path: string) {
  const { writer, ns, trigger, coordinator } = await webhookTrigger(path);
  answers = [500];
  await store(writer.key, ns, MATCHING);
  const [firing] = await eventually(() => firingsOf(trigger.trigger_id).then((f) => (f.length ? f : undefined)));
  const delivery = await eventually(() => deliveryOf(firing!.notification_id as string).then((d) => (d && d.status !== "pending" ? d : undefined)));
  return { delivery, trigger, coordinator };
}

describe("webhook deliveries through the DELIVERIES queue", () => {
  it("delivers a signed POST for a matching store", async () => {
    const { writer, ns, trigger } = await webhookTrigger("/ok");
    const memory = await store(writer.key, ns, MATCHING);
    const [firing] = await eventually(() => firingsOf(trigger.trigger_id).then((f) => (f.length ? f : undefined)));
    const delivery = await eventually(() => deliveryOf(firing!.notification_id as string).then((d) => (d?.status === "succeeded" ? d : undefined)), 10_000, "the delivery");
    expect(delivery).toMatchObject({ attempts: 1, last_status_code: 200, url: `${RECEIVER}/ok` });
    const [request] = received;
    expect(request).toBeDefined();
    const h = request!.headers;
    expect(h["x-switchyard-event-id"]).toBe(firing!.notification_id);
    expect(h["x-switchyard-delivery-attempt"]).toBe("1");
    expect(h["content-type"]).toBe("application/json");
    expect(Math.abs(Number(h["x-switchyard-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(h["x-switchyard-signature"]).toBe(`sha256=${await hmacHex(SECRET, `${h["x-switchyard-timestamp"]}.${request!.body}`)}`);
    expect(JSON.parse(request!.body)).toMatchObject({
      event_id: firing!.notification_id,
      type: "trigger.fired",
      data: { notification_id: firing!.notification_id, trigger_id: trigger.trigger_id, trigger_name: "segment hook", source_memory_id: memory.memory_id, agent_id: ns },
    });
  });

  it("retries a failed attempt with exponential backoff, then records the dead letter after the last attempt", async () => {
    const { delivery } = await failedDelivery("/fails");
    expect(delivery).toMatchObject({ status: "failed", attempts: 1, last_status_code: 500 });
    // Still being retried by the queue: a replay now would race it.
    expectError(await api("POST", `/v1/webhooks/deliveries/${delivery.delivery_id}/replay`), 409, "conflict");
    const base = Number(env.WEBHOOK_RETRY_BASE_SECONDS);
    const max = Number(env.WEBHOOK_MAX_ATTEMPTS);

    answers = [503];
    const second = await runDeliveries(delivery.delivery_id, 2);
    expect(second.retryMessages).toEqual([{ msgId: "m-2" }]);
    expect(second.delays).toEqual([base * 2]);
    answers = [500];
    const third = await runDeliveries(delivery.delivery_id, 3);
    expect(third.delays).toEqual([base * 4]);

    answers = [500];
    const last = await runDeliveries(delivery.delivery_id, max);
    expect(last.explicitAcks).toEqual([`m-${max}`]);
    expect(last.retryMessages).toEqual([]);
    expect(await deliveryOf(delivery.notification_id)).toMatchObject({ status: "dead", attempts: 4, last_status_code: 500 });
    expect(received.map((r) => r.headers["x-switchyard-delivery-attempt"])).toEqual(["1", "2", "3", "4"]);

    const dead = await api("GET", "/v1/webhooks/deliveries?status=dead");
    expect(dead.body.items.map((d: { delivery_id: string }) => d.delivery_id)).toContain(delivery.delivery_id);
  });

  it("replays a dead delivery: queued again, then delivered with the same event id", async () => {
    const { delivery, coordinator } = await failedDelivery("/replay");
    await runDeliveries(delivery.delivery_id, Number(env.WEBHOOK_MAX_ATTEMPTS));
    received.length = 0;
    answers = [200];
    const replay = await api("POST", `/v1/webhooks/deliveries/${delivery.delivery_id}/replay`, { key: coordinator.key });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ delivery_id: delivery.delivery_id, status: "pending" });
    expectError(await api("POST", `/v1/webhooks/deliveries/${delivery.delivery_id}/replay`, { key: coordinator.key }), 409, "conflict");
    const done = await eventually(() => deliveryOf(delivery.notification_id).then((d) => (d?.status === "succeeded" ? d : undefined)), 10_000, "the replay");
    expect(done.attempts).toBe(3);
    expect(received[0]!.headers["x-switchyard-event-id"]).toBe(delivery.notification_id);
    expectError(await api("POST", "/v1/webhooks/deliveries/dlv_nothing/replay"), 404, "not_found");
  });

  it("checks the address again at delivery time and gives up on one that now points inside", async () => {
    const { delivery } = await failedDelivery("/moved");
    await env.DB.prepare("UPDATE _webhook_deliveries SET url = ? WHERE delivery_id = ?").bind("https://inside.example.com/x", delivery.delivery_id).run();
    received.length = 0;
    const result = await runDeliveries(delivery.delivery_id, 2);
    expect(result.explicitAcks).toEqual(["m-2"]);
    expect(received).toEqual([]);
    const row = await deliveryOf(delivery.notification_id);
    expect(row).toMatchObject({ status: "dead" });
    expect(row!.last_error).toContain("private");
  });

  it("records what the dead-letter queue receives as dead", async () => {
    const { delivery } = await failedDelivery("/dlq");
    const result = await runDeliveries(delivery.delivery_id, 7, "switchyard-deliveries-dlq");
    expect(result.explicitAcks).toEqual(["m-7"]);
    expect(await deliveryOf(delivery.notification_id)).toMatchObject({ status: "dead" });
  });

  it("lists deliveries newest first in cursor pages, filtered by status", async () => {
    for (let i = 0; i < 3; i++) await failedDelivery(`/page-${i}`);
    const first = await api("GET", "/v1/webhooks/deliveries?status=failed&limit=2");
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items.every((d: { status: string }) => d.status === "failed")).toBe(true);
    const second = await api("GET", `/v1/webhooks/deliveries?status=failed&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items[0].delivery_id < first.body.items[1].delivery_id).toBe(true);
    expectError(await api("GET", "/v1/webhooks/deliveries?status=lost"), 400, "invalid_request");
  });
});

describe("inbox deliveries through the queue, and the cron's sweep", () => {
  it("delivers a queued notification to the inbox and drops a malformed message", async () => {
    const { coordinator, writer, target, ns } = await cast();
    const trigger = await createTrigger(coordinator.key, { name: "n", concept: CONCEPT, threshold: 0.3, action: { type: "agent_notify", target_agent_id: target.agentId }, namespaces: [ns] });
    await store(writer.key, ns, MATCHING);
    const [firing] = await eventually(() => firingsOf(trigger.trigger_id).then((f) => (f.length ? f : undefined)));
    const batch = createMessageBatch("switchyard-deliveries", [
      { id: "notify-1", timestamp: new Date(), attempts: 1, body: { kind: "notify", notification_id: firing!.notification_id } },
      { id: "junk-1", timestamp: new Date(), attempts: 1, body: { kind: "carrier-pigeon" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["junk-1", "notify-1"]);
    // Delivered twice (directly after the store, then by this message): the inbox holds it once.
    expect(await drainInbox(target.key, target.agentId)).toHaveLength(1);
  });

  it("matches a store whose request never got to it, from the every-minute cron", async () => {
    const { coordinator, writer, target, ns } = await cast();
    const trigger = await createTrigger(coordinator.key, { name: "n", concept: CONCEPT, threshold: 0.3, action: { type: "agent_notify", target_agent_id: target.agentId }, namespaces: [ns] });
    // Stored without a request context: as if the isolate died right after the response.
    const memory = await storeMemory(memoryServices(env), { agent_id: ns, content: MATCHING, metadata: {}, memory_type: "fact", importance: 0.5, ttl_seconds: undefined }, { agentId: writer.agentId });
    await env.DB.prepare("UPDATE _trigger_outbox SET created_at = '2000-01-01T00:00:00.000Z' WHERE memory_id = ?").bind(memory.memory_id).run();
    expect(await firingsOf(trigger.trigger_id)).toEqual([]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await drainInbox(target.key, target.agentId)).toMatchObject([{ kind: "notification", source_memory_id: memory.memory_id, trigger_id: trigger.trigger_id }]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM _trigger_outbox WHERE memory_id = ?").bind(memory.memory_id).first("n")).toBe(0);
  });
});
