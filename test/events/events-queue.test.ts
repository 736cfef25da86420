import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { queueEventId } from "../../src/events/queue-consumer";
import { api, count, uniqueId } from "../helpers";
import { workflowName } from "../workflows/workflow-helpers";
import { defined, eventOf, registerType, runsOfWorkflow } from "./event-helpers";

// The `switchyard-events` queue: the same JSON as POST /v1/events from any Queues producer. The real
// producer Worker in the same `wrangler dev` session is test/e2e/queue-producer.test.ts.

async function deliver(messages: { id: string; body: unknown; attempts?: number }[], queue = "switchyard-events") {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

async function subscribed(label: string) {
  const type = uniqueId(label);
  const agent = uniqueId(`${label}-agent`);
  await api("POST", "/v1/agents", { body: { agent_id: agent } });
  await api("POST", `/v1/agents/${agent}/versions`, { body: { version: "1.0.0" } });
  const name = workflowName(label);
  await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent}]}]\n`);
  return { type, agent, name };
}

describe("the switchyard-events queue", () => {
  it("starts a run for a valid message and acks it; a redelivery of the same message starts nothing new", async () => {
    const { type, name } = await subscribed("queued");
    const eventId = uniqueId("load");
    const message = { id: uniqueId("msg"), body: { type, event_id: eventId, source: "warehouse", data: { rows: 10 } } };
    expect(await deliver([message])).toMatchObject({ explicitAcks: [message.id], retryMessages: [] });
    expect(await deliver([{ ...message, attempts: 2 }])).toMatchObject({ explicitAcks: [message.id], retryMessages: [] });
    expect(await runsOfWorkflow(name)).toBe(1);
    const event = await eventOf(eventId);
    expect(event).toMatchObject({ status: "accepted", publisher: "queue", published_by: "queue:switchyard-events", source: "warehouse" });
    expect(event.runs).toEqual([{ run_id: expect.any(String), workflow: name }]);
  });

  it("claims one event id once even when a batch carries it twice, and publishes the rest of the batch alongside", async () => {
    const { type, name } = await subscribed("in-batch");
    const eventId = uniqueId("twice");
    const first = { id: uniqueId("msg"), body: { type, event_id: eventId, data: { copy: 1 } } };
    const second = { id: uniqueId("msg"), body: { type, event_id: eventId, data: { copy: 2 } } };
    const others = Array.from({ length: 30 }, (_, i) => ({ id: uniqueId("msg"), body: { type, event_id: uniqueId(`other-${i}`), data: { i } } }));
    const result = await deliver([first, second, ...others]);
    expect(result.explicitAcks).toHaveLength(32);
    expect(await runsOfWorkflow(name)).toBe(31);
    expect((await eventOf(eventId)).data).toEqual({ copy: 1 });
  });

  it("names a message without an event_id by the message, so its redelivery is a duplicate too", async () => {
    const { type, name } = await subscribed("anon");
    const id = uniqueId("msg");
    await deliver([{ id, body: { type, data: { n: 1 } } }]);
    await deliver([{ id, body: { type, data: { n: 1 } }, attempts: 3 }]);
    expect(await runsOfWorkflow(name)).toBe(1);
    expect((await eventOf(queueEventId(id))).data).toEqual({ n: 1 });
    // Another message with the same body is another event.
    await deliver([{ id: uniqueId("msg"), body: { type, data: { n: 1 } } }]);
    expect(await runsOfWorkflow(name)).toBe(2);
  });

  it("records a message that is no valid event as rejected, with why, and acks it: never retried forever", async () => {
    const type = uniqueId("typed");
    await registerType(type, { type: "object", properties: { amount: { type: "number" } }, required: ["amount"] });
    const notJson = { id: uniqueId("msg"), body: "just text" };
    const offShape = { id: uniqueId("msg"), body: { type, event_id: uniqueId("off"), data: {}, colour: "red" } };
    const offSchema = { id: uniqueId("msg"), body: { type, event_id: uniqueId("off-schema"), data: { amount: "ten" } } };
    const platform = { id: uniqueId("msg"), body: { type: "run.failed", data: {} } };
    const result = await deliver([notJson, offShape, offSchema, platform]);
    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([notJson.id, offShape.id, offSchema.id, platform.id].sort());

    const rejected = async (eventId: string) => {
      const e = await eventOf(eventId);
      expect(e).toMatchObject({ status: "rejected", publisher: "queue", decisions: [], runs: [] });
      return e.rejection;
    };
    expect(await rejected(queueEventId(notJson.id))).toMatchObject({ message: expect.stringMatching(/Invalid event/) });
    expect(await rejected(offShape.body.event_id)).toMatchObject({ details: [{ path: "colour", message: expect.any(String) }] });
    expect(await rejected(offSchema.body.event_id)).toMatchObject({ details: [{ path: "data.amount", message: expect.any(String) }] });
    expect(await rejected(queueEventId(platform.id))).toMatchObject({ message: expect.stringMatching(/platform event type/) });
    // A redelivery of a rejected message records nothing twice.
    await deliver([{ ...offSchema, attempts: 2 }]);
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE event_id = ?", offSchema.body.event_id)).toBe(1);
  });

  it("takes a corrected event under the id a rejected message had", async () => {
    const { type, name } = await subscribed("fixed");
    await registerType(type, { type: "object", required: ["ok"] });
    const eventId = uniqueId("retry-me");
    await deliver([{ id: uniqueId("msg"), body: { type, event_id: eventId, data: {} } }]);
    expect((await eventOf(eventId)).status).toBe("rejected");
    await deliver([{ id: uniqueId("msg"), body: { type, event_id: eventId, data: { ok: true } } }]);
    expect(await eventOf(eventId)).toMatchObject({ status: "accepted", rejection: null, runs: [{ workflow: name }] });
  });

  it("retries a message when D1 cannot take it, and the dead-letter queue records it as rejected after the last retry", async () => {
    const { type } = await subscribed("outage");
    const body = { type, event_id: uniqueId("outage"), data: {} };
    const broken = { ...env, DB: new Proxy(env.DB, { get: (target, prop) => (prop === "batch" ? () => Promise.reject(new Error("D1 is unavailable")) : Reflect.get(target, prop).bind(target)) }) } as Env;
    const id = uniqueId("msg");
    const batch = createMessageBatch("switchyard-events", [{ id, timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, broken);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: id }] });
    expect(await count("SELECT COUNT(*) AS n FROM _events WHERE event_id = ?", body.event_id)).toBe(0);
    // The dead letter gets one more try (here it succeeds) instead of a silent drop.
    expect(await deliver([{ id, body }], "switchyard-events-dlq")).toMatchObject({ explicitAcks: [id] });
    expect((await eventOf(body.event_id)).status).toBe("accepted");
  });
});
