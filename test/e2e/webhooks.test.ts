// Webhook triggers against the real local server and a real HTTP receiver on 127.0.0.1. Private addresses
// are allowed here only because this server is started with WEBHOOK_ALLOW_PRIVATE=true (the deployment
// default refuses them); retries are made fast with WEBHOOK_RETRY_BASE_SECONDS=1 and 3 attempts.
import { createHmac, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Switchyard, type WebhookDelivery } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const SECRET = "whsec_e2e_receiver_secret_0123";
const CONCEPT = "customer segment insights: churn, lifetime value and revenue by customer segment";
const MATCHING = "Customer segment 'enterprise' has 42% higher lifetime value than the mid-market segment.";

interface Delivery {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** What a receiver does to check a delivery: the README's verification, in Node. */
function verifySignature(secret: string, headers: IncomingMessage["headers"], body: string): boolean {
  const timestamp = String(headers["x-switchyard-timestamp"]);
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
  const given = String(headers["x-switchyard-signature"]);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe("webhook triggers end to end", () => {
  const local = localServer({ vars: { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_MAX_ATTEMPTS: "3" } });
  let receiver: Server;
  let receiverUrl: string;
  const received: Delivery[] = [];
  /** Status codes to answer per path, in order; 200 once they run out. */
  const script = new Map<string, number[]>();
  let admin: Switchyard;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        const path = req.url ?? "/";
        received.push({ path, headers: req.headers, body });
        res.writeHead(script.get(path)?.shift() ?? 200).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    admin = local.admin();
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
  });

  async function hookFor(path: string, namespace: string) {
    return admin.triggers.create({ name: `hook ${path}`, concept: CONCEPT, threshold: 0.3, namespaces: [namespace], action: { type: "webhook", url: `${receiverUrl}${path}`, secret: SECRET } });
  }

  async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 45_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const deliveryFor = async (triggerId: string, status?: WebhookDelivery["status"]) =>
    (await admin.webhooks.deliveries.list({ trigger_id: triggerId, ...(status ? { status } : {}) })).items[0];

  it("signs each delivery and retries after a 500 until the receiver takes it", async () => {
    script.set("/flaky", [500]);
    const trigger = await hookFor("/flaky", "e2e-flaky");
    const memory = await admin.memory.store({ agent_id: "e2e-flaky", content: MATCHING });
    const attempts = await until(() => {
      const got = received.filter((d) => d.path === "/flaky");
      return got.length >= 2 ? got : undefined;
    }, "a retry after the 500");
    for (const attempt of attempts) expect(verifySignature(SECRET, attempt.headers, attempt.body)).toBe(true);
    expect(verifySignature("another secret entirely", attempts[0]!.headers, attempts[0]!.body)).toBe(false);
    expect(attempts.map((a) => a.headers["x-switchyard-delivery-attempt"])).toEqual(["1", "2"]);
    expect(attempts[1]!.headers["x-switchyard-event-id"]).toBe(attempts[0]!.headers["x-switchyard-event-id"]);
    const event = JSON.parse(attempts[0]!.body);
    expect(event).toMatchObject({ type: "trigger.fired", data: { trigger_id: trigger.trigger_id, source_memory_id: memory.memory_id, agent_id: "e2e-flaky" } });
    expect(event.event_id).toBe(attempts[0]!.headers["x-switchyard-event-id"]);
    const delivery = await until(() => deliveryFor(trigger.trigger_id, "succeeded"), "the delivery to be recorded as succeeded");
    expect(delivery).toMatchObject({ attempts: 2, last_status_code: 200 });
  });

  it("dead-letters a delivery after the last attempt, then delivers it on replay", async () => {
    script.set("/down", [500, 502, 503]);
    const trigger = await hookFor("/down", "e2e-down");
    await admin.memory.store({ agent_id: "e2e-down", content: MATCHING });
    const dead = await until(() => deliveryFor(trigger.trigger_id, "dead"), "the dead letter");
    expect(dead).toMatchObject({ attempts: 3, last_status_code: 503 });
    expect(received.filter((d) => d.path === "/down").map((d) => d.headers["x-switchyard-delivery-attempt"])).toEqual(["1", "2", "3"]);
    expect((await admin.webhooks.deliveries.list({ status: "dead" })).items.map((d) => d.delivery_id)).toContain(dead.delivery_id);

    const replayed = await admin.webhooks.deliveries.replay(dead.delivery_id);
    expect(replayed.status).toBe("pending");
    const delivered = await until(() => deliveryFor(trigger.trigger_id, "succeeded"), "the replayed delivery");
    expect(delivered).toMatchObject({ delivery_id: dead.delivery_id, attempts: 4, last_status_code: 200 });
    const last = received.filter((d) => d.path === "/down").at(-1)!;
    expect(last.headers["x-switchyard-delivery-attempt"]).toBe("4");
    expect(verifySignature(SECRET, last.headers, last.body)).toBe(true);
  });
});
