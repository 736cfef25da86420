import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentObject } from "../../durable-objects/agent";
import type { InboxItem } from "../../durable-objects/agent/inbox-types";
import { api, count } from "../helpers";
import { CONCEPT, MATCHING, UNRELATED, cast, createTrigger, eventually, firingsOf, store } from "./trigger-helpers";

const inboxOf = (agentId: string) => env.AGENT.get(env.AGENT.idFromName(agentId));
/** What the agent's inbox holds now, through the inbox's own RPC (handed out: a second call returns only newer items). */
async function poll(agentId: string): Promise<InboxItem[]> {
  // The RPC's result type is too deep for the compiler to unfold; it is the inbox's own InboxItem[].
  const stub = inboxOf(agentId) as unknown as { poll(o: { limit: number; wait_seconds: number }): Promise<InboxItem[]> };
  return stub.poll({ limit: 100, wait_seconds: 0 });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function notifyTrigger(extra: Record<string, unknown> = {}) {
  const people = await cast();
  const trigger = await createTrigger(people.coordinator.key, {
    name: "segment insights for B",
    concept: CONCEPT,
    threshold: 0.3,
    action: { type: "agent_notify", target_agent_id: people.target.agentId },
    namespaces: [people.ns],
    ...extra,
  });
  return { ...people, trigger };
}

describe("firing on store", () => {
  it("puts a notification with the contract's fields into the target's inbox when a matching memory is stored", async () => {
    const { writer, target, ns, trigger } = await notifyTrigger();
    const memory = await store(writer.key, ns, MATCHING);
    const [item] = await eventually(() => poll(target.agentId).then((items) => (items.length ? items : undefined)), 10_000, "the notification");
    expect(item).toMatchObject({ kind: "notification", trigger_id: trigger.trigger_id, trigger_name: "segment insights for B", source_memory_id: memory.memory_id, agent_id: ns });
    expect((item as { score: number }).score).toBeGreaterThanOrEqual(0.3);
    const [firing] = await firingsOf(trigger.trigger_id);
    expect(firing).toMatchObject({ memory_id: memory.memory_id, status: "dispatched", action_type: "agent_notify" });
    expect(await count("SELECT COUNT(*) AS n FROM _trigger_outbox WHERE memory_id = ?", memory.memory_id)).toBe(0);
    const shown = await api("GET", `/v1/triggers/${trigger.trigger_id}`);
    expect(shown.body.last_fired_at).toBe(firing!.created_at);
  });

  it("stays quiet for unrelated memories, other namespaces and disabled triggers", async () => {
    const { writer, target, ns, trigger, coordinator } = await notifyTrigger();
    await store(writer.key, ns, UNRELATED);
    await store(writer.key, `${ns}-elsewhere`, MATCHING);
    await api("PATCH", `/v1/triggers/${trigger.trigger_id}`, { key: coordinator.key, body: { enabled: false } });
    await store(writer.key, ns, MATCHING);
    await sleep(500);
    expect(await poll(target.agentId)).toEqual([]);
    expect(await firingsOf(trigger.trigger_id)).toEqual([]);
  });

  it("matches every memory of a batch store", async () => {
    const { writer, target, ns } = await notifyTrigger();
    const res = await api("POST", "/v1/memory/batch", { key: writer.key, body: { memories: [{ agent_id: ns, content: MATCHING }, { agent_id: ns, content: UNRELATED }, { agent_id: ns, content: `${MATCHING} Again.` }] } });
    expect(res.status).toBe(201);
    // Both matched once their firings are dispatched; then the inbox holds both.
    await eventually(async () => (await count("SELECT COUNT(*) AS n FROM _trigger_firings WHERE agent_id = ? AND status = 'dispatched'", ns)) === 2);
    const items = await poll(target.agentId);
    expect(items.map((i) => (i as { source_memory_id: string }).source_memory_id).sort()).toEqual([res.body.items[0].memory_id, res.body.items[2].memory_id].sort());
  });

  it("writes an audit entry for a write_event trigger", async () => {
    const { coordinator, writer, ns } = await cast();
    const trigger = await createTrigger(coordinator.key, { name: "log it", concept: CONCEPT, threshold: 0.3, action: { type: "write_event" }, namespaces: [ns] });
    const memory = await store(writer.key, ns, MATCHING);
    const row = await eventually(() =>
      env.DB.prepare("SELECT * FROM _audit_log WHERE action = 'trigger:fire' AND resource = ?").bind(`trigger:${trigger.trigger_id}`).first<{ details: string }>(),
    );
    expect(JSON.parse(row.details)).toMatchObject({ trigger_id: trigger.trigger_id, source_memory_id: memory.memory_id, agent_id: ns });
  });

  it("writes no outbox row when no trigger is enabled to read it", async () => {
    const { writer } = await cast();
    const enabled = await count("SELECT COUNT(*) AS n FROM _triggers WHERE enabled = 1");
    if (enabled > 0) return; // other tests in this file left triggers on: the property is checked in outbox.test.ts
    const memory = await store(writer.key, writer.agentId, MATCHING);
    expect(await count("SELECT COUNT(*) AS n FROM _trigger_outbox WHERE memory_id = ?", memory.memory_id)).toBe(0);
  });
});

/** Long enough that all 50 stores are matched inside it even on a busy machine. */
const WINDOW_SECONDS = 8;

describe("cooldown", () => {
  it("fires exactly once for 50 concurrent matching stores inside one window, and again after it", async () => {
    const { writer, target, ns, trigger } = await notifyTrigger({ cooldown_seconds: WINDOW_SECONDS });
    const stores = await Promise.all(Array.from({ length: 50 }, (_, i) => store(writer.key, ns, `${MATCHING} Observation ${i}.`)));
    // Every store has been matched once its outbox row is gone.
    await eventually(async () => (await count("SELECT COUNT(*) AS n FROM _trigger_outbox WHERE namespace = ?", ns)) === 0, 20_000, "all 50 stores matched");
    const firings = await firingsOf(trigger.trigger_id);
    expect(firings).toHaveLength(1);
    expect(stores.map((s) => s.memory_id)).toContain(firings[0]!.memory_id);
    const items = await eventually(() => poll(target.agentId).then((i) => (i.length ? i : undefined)));
    await sleep(300);
    expect([...items, ...(await poll(target.agentId))]).toHaveLength(1);

    // After the window, the next matching store fires.
    const firedAt = Date.parse(firings[0]!.created_at as string);
    await sleep(Math.max(0, firedAt + WINDOW_SECONDS * 1000 + 50 - Date.now()));
    const next = await store(writer.key, ns, `${MATCHING} A later one.`);
    const [later] = await eventually(() => poll(target.agentId).then((i) => (i.length ? i : undefined)));
    expect(later).toMatchObject({ source_memory_id: next.memory_id });
    expect(await firingsOf(trigger.trigger_id)).toHaveLength(2);
  });
});

describe("delivery that is never lost and never doubled", () => {
  it("still delivers, once, when the first inbox delivery attempt throws", async () => {
    const { writer, target, ns, trigger } = await notifyTrigger();
    const stub = inboxOf(target.agentId);
    // RPC calls reach the class's prototype methods, so the live instance's class is patched, for this
    // instance only, to throw on its first delivery.
    let thrown = 0;
    await runInDurableObject(stub, (instance: AgentObject) => {
      const proto = Object.getPrototypeOf(instance) as AgentObject;
      const original = proto.deliver;
      proto.deliver = async function (this: AgentObject, input) {
        if (this === instance && thrown === 0) {
          thrown++;
          proto.deliver = original;
          throw new Error("injected: the inbox is unavailable");
        }
        return original.call(this, input);
      };
    });
    const memory = await store(writer.key, ns, MATCHING);
    const items = await eventually(() => poll(target.agentId).then((i) => (i.length ? i : undefined)), 15_000, "the retried notification");
    expect(thrown).toBe(1);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ source_memory_id: memory.memory_id, trigger_id: trigger.trigger_id });
    // A sweep by the cron finds nothing left to do, and nothing arrives twice.
    await sleep(1_500);
    expect(await poll(target.agentId)).toEqual([]);
    expect(await firingsOf(trigger.trigger_id)).toHaveLength(1);
  });
});
