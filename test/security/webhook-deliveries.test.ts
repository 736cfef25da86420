import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useResolverForTests } from "../../src/triggers/webhooks/resolver";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { CONCEPT, MATCHING, createTrigger, eventually, store } from "../triggers/trigger-helpers";
import { denialsOf } from "./helpers";

// Issue 11, item 8: an agent lists and replays only the deliveries of its own triggers (admins: all), and
// URLs are shown without the query string where receivers keep their tokens.

beforeAll(() => useResolverForTests({ resolve: async () => ["93.184.216.34"] }));
afterAll(() => useResolverForTests(undefined));

const URL_WITH_TOKEN = "https://hooks.example.com/in/switchyard?token=s3cr3t-t0ken&team=ops#frag";

async function deadDelivery(createdBy: string, triggerId: string) {
  const id = uniqueId("dlv");
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO _webhook_deliveries (delivery_id, notification_id, trigger_id, url, payload, status, attempts, created_at, updated_at, created_by)
     VALUES (?, ?, ?, ?, '{}', 'dead', 8, ?, ?, ?)`,
  )
    .bind(id, uniqueId("ntf"), triggerId, URL_WITH_TOKEN, now, now, createdBy)
    .run();
  return id;
}

async function hook(key: string) {
  return createTrigger(key, { name: "hook", concept: CONCEPT, threshold: 0.3, action: { type: "webhook", url: URL_WITH_TOKEN, secret: "whsec_0123456789abcdef" }, namespaces: [uniqueId("kb")] });
}

describe("webhook deliveries", () => {
  it("are listed to their trigger's creator and to admins only, with URLs cut before the query string", async () => {
    const [alice, bob, boss] = await Promise.all([newAgent(), newAgent(), newAgent("admin")]);
    const [aliceHook, bobHook] = [await hook(alice.key), await hook(bob.key)];
    const aliceDelivery = await deadDelivery(alice.agentId, aliceHook.trigger_id);
    const bobDelivery = await deadDelivery(bob.agentId, bobHook.trigger_id);
    const ids = async (key: string) => ((await api("GET", "/v1/webhooks/deliveries?limit=100", { key })).body.items as { delivery_id: string }[]).map((d) => d.delivery_id);
    expect(await ids(alice.key)).toContain(aliceDelivery);
    expect(await ids(alice.key)).not.toContain(bobDelivery);
    expect(await ids(bob.key)).toEqual(expect.arrayContaining([bobDelivery]));
    expect(await ids(bob.key)).not.toContain(aliceDelivery);
    expect(await ids(boss.key)).toEqual(expect.arrayContaining([aliceDelivery, bobDelivery]));
    const listed = await api("GET", "/v1/webhooks/deliveries?limit=100");
    expect(listed.body.items.map((d: { delivery_id: string }) => d.delivery_id)).toEqual(expect.arrayContaining([aliceDelivery, bobDelivery]));
    expect(JSON.stringify(listed.body)).not.toContain("s3cr3t");
    expect(listed.body.items.find((d: { delivery_id: string }) => d.delivery_id === aliceDelivery).url).toBe("https://hooks.example.com/in/switchyard");
  });

  it("are replayed by their trigger's creator or an admin; anyone else gets 403, recorded", async () => {
    const [alice, bob] = await Promise.all([newAgent(), newAgent()]);
    const aliceHook = await hook(alice.key);
    const delivery = await deadDelivery(alice.agentId, aliceHook.trigger_id);
    const denied = await api("POST", `/v1/webhooks/deliveries/${delivery}/replay`, { key: bob.key });
    expectError(denied, 403, "forbidden");
    expect(await denialsOf(bob.agentId)).toContainEqual(expect.objectContaining({ action: "trigger:manage", resource: `trigger:${aliceHook.trigger_id}` }));
    expect(await env.DB.prepare("SELECT status FROM _webhook_deliveries WHERE delivery_id = ?").bind(delivery).first("status")).toBe("dead");
    const replayed = await api("POST", `/v1/webhooks/deliveries/${delivery}/replay`, { key: alice.key });
    expect(replayed.status).toBe(200);
    expect(replayed.body.url).toBe("https://hooks.example.com/in/switchyard");
    const second = await deadDelivery(alice.agentId, aliceHook.trigger_id);
    expect((await api("POST", `/v1/webhooks/deliveries/${second}/replay`)).status).toBe(200);
  });

  it("belong to the trigger's creator from the moment a firing makes them", async () => {
    const [alice, writer] = await Promise.all([newAgent(), newAgent()]);
    const ns = uniqueId("kb");
    const trigger = await createTrigger(alice.key, { name: "hook", concept: CONCEPT, threshold: 0.3, action: { type: "webhook", url: URL_WITH_TOKEN, secret: "whsec_0123456789abcdef" }, namespaces: [ns] });
    await store(writer.key, ns, MATCHING);
    const row = await eventually(
      () => env.DB.prepare("SELECT created_by FROM _webhook_deliveries WHERE trigger_id = ?").bind(trigger.trigger_id).first<{ created_by: string }>(),
      10_000,
      "the delivery",
    );
    expect(row.created_by).toBe(alice.agentId);
  });
});
