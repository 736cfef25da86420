import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { withPolicy } from "../policy/helpers";
import { CONCEPT, MATCHING, createTrigger, eventually, firingsOf, store } from "../triggers/trigger-helpers";
import { denialsOf } from "./helpers";

// Issue 11, item 6: a trigger listens only to namespaces its creator may read, at create, update and firing.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const trigger = (namespaces?: string[]) => ({ name: "probe", concept: CONCEPT, threshold: 0, action: { type: "write_event" }, ...(namespaces ? { namespaces } : {}) });

describe("trigger namespaces", () => {
  it("refuses, with 403 recorded, a trigger on another agent's private namespace, at create and at update", async () => {
    const [spy, victim] = await Promise.all([newAgent(), newAgent()]);
    const created = await api("POST", "/v1/triggers", { key: spy.key, body: trigger([uniqueId("kb"), victim.agentId]) });
    expectError(created, 403, "forbidden");
    expect(created.body.error.details).toMatchObject({ action: "memory:read", resource: `memory:${victim.agentId}` });
    expect(await denialsOf(spy.agentId)).toContainEqual(expect.objectContaining({ action: "memory:read", resource: `memory:${victim.agentId}` }));

    const own = await createTrigger(spy.key, trigger([spy.agentId, uniqueId("kb")]));
    const patched = await api("PATCH", `/v1/triggers/${own.trigger_id}`, { key: spy.key, body: { namespaces: [victim.agentId] } });
    expectError(patched, 403, "forbidden");
    expect((await api("GET", `/v1/triggers/${own.trigger_id}`, { key: spy.key })).body.namespaces).not.toContain(victim.agentId);
  });

  it("fires a trigger without namespaces only for memories its creator may read", async () => {
    const [spy, victim, writer] = await Promise.all([newAgent(), newAgent(), newAgent()]);
    const everywhere = await createTrigger(spy.key, trigger());
    const secret = await store(victim.key, victim.agentId, `${MATCHING} (victim's private note)`);
    await sleep(300);
    const shared = await store(writer.key, uniqueId("kb"), MATCHING);
    await eventually(async () => (await firingsOf(everywhere.trigger_id)).some((f) => f.memory_id === shared.memory_id), 10_000, "the shared memory's firing");
    await sleep(300);
    expect((await firingsOf(everywhere.trigger_id)).map((f) => f.memory_id)).not.toContain(secret.memory_id);
    // The victim's own trigger does fire for it.
    const victims = await createTrigger(victim.key, trigger([victim.agentId]));
    const again = await store(victim.key, victim.agentId, MATCHING);
    await eventually(async () => (await firingsOf(victims.trigger_id)).some((f) => f.memory_id === again.memory_id), 10_000, "the owner's firing");
  });

  it("checks again when it fires: a policy that now denies the namespace stops it", async () => {
    const [watcher, writer] = await Promise.all([newAgent(), newAgent()]);
    const ns = uniqueId("kb");
    const watching = await createTrigger(watcher.key, trigger([ns]));
    await withPolicy({ effect: "deny", actions: ["memory:read"], resources: [`memory:${ns}`], principals: [watcher.agentId] }, async () => {
      const hidden = await store(writer.key, ns, MATCHING);
      await sleep(800);
      expect((await firingsOf(watching.trigger_id)).map((f) => f.memory_id)).not.toContain(hidden.memory_id);
    });
    const seen = await store(writer.key, ns, MATCHING);
    await eventually(async () => (await firingsOf(watching.trigger_id)).some((f) => f.memory_id === seen.memory_id), 10_000, "the firing once allowed");
  });

  it("never fires for a creator that no longer exists", async () => {
    const [gone, writer] = await Promise.all([newAgent(), newAgent()]);
    const ns = uniqueId("kb");
    const orphan = await createTrigger(gone.key, trigger([ns]));
    expect((await api("DELETE", `/v1/agents/${gone.agentId}`)).status).toBe(200);
    const memory = await store(writer.key, ns, MATCHING);
    await sleep(800);
    expect((await firingsOf(orphan.trigger_id)).map((f) => f.memory_id)).not.toContain(memory.memory_id);
  });
});
