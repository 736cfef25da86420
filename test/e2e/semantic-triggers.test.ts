// Seed pattern 2, "semantic triggers": a coordinator registers a trigger "notify agent-b when agent A
// stores customer segment insights"; agent A stores a memory; agent B, in its usual loop (poll, handle,
// get the memory), finds the notification and reads the memory by `source_memory_id`.
import { beforeAll, describe, expect, it } from "vitest";
import { type InboxItem, type Memory, Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const AGENT_A = "agent-a";
const AGENT_B = "agent-b";
const SHARED = "shared-knowledge-base";

describe("seed pattern 2: semantic triggers", () => {
  const local = localServer();
  let coordinator: Switchyard;
  let agentA: Switchyard;
  let agentB: Switchyard;

  beforeAll(async () => {
    const admin = local.admin();
    const clients: Switchyard[] = [];
    for (const agent_id of ["coordinator", AGENT_A, AGENT_B]) {
      await admin.agents.create({ agent_id });
      clients.push(local.client((await admin.agents.keys.create(agent_id)).api_key));
    }
    [coordinator, agentA, agentB] = clients as [Switchyard, Switchyard, Switchyard];
  });

  it("notifies agent-b when agent A stores a customer segment insight, and B reads the memory", async () => {
    const trigger = await coordinator.triggers.create({
      name: "segment insights for agent-b",
      concept: "customer segment insights: churn, lifetime value and revenue by customer segment",
      threshold: 0.3,
      action: { type: "agent_notify", target_agent_id: AGENT_B },
      namespaces: [SHARED],
    });
    const probe = await coordinator.triggers.test(trigger.trigger_id, "Enterprise customers churn less than SMB customers.");
    expect(probe).toMatchObject({ matched: true, trigger_name: "segment insights for agent-b" });

    // Agent A learns two things; only one is about customer segments.
    await agentA.memory.store({ agent_id: SHARED, content: "The staging database is backed up nightly at 02:00 UTC." });
    const insight = await agentA.memory.store({
      agent_id: SHARED,
      content: "Customer segment 'enterprise' has 42% higher lifetime value than the mid-market segment.",
      metadata: { source: "q3-analysis", confidence: 0.93 },
    });

    // Agent B's loop: poll (long poll, leased), handle each item, ack what was handled.
    const handled: Array<{ item: InboxItem; memory: Memory }> = [];
    const deadline = Date.now() + 30_000;
    while (handled.length === 0 && Date.now() < deadline) {
      const { items } = await agentB.inbox.poll(AGENT_B, { waitSeconds: 5, leaseSeconds: 60 });
      for (const item of items) {
        if (item.kind !== "notification") continue;
        const memory = await agentB.memory.get(item.source_memory_id);
        handled.push({ item, memory });
      }
      if (items.length) await agentB.inbox.ack(AGENT_B, items.map((i) => i.item_id));
    }

    expect(handled).toHaveLength(1);
    const [{ item, memory }] = handled as [{ item: InboxItem; memory: Memory }];
    expect(item).toMatchObject({ kind: "notification", trigger_id: trigger.trigger_id, trigger_name: "segment insights for agent-b", source_memory_id: insight.memory_id, agent_id: SHARED });
    expect(memory).toMatchObject({ memory_id: insight.memory_id, agent_id: SHARED, created_by: AGENT_A, metadata: { source: "q3-analysis", confidence: 0.93 } });
    expect((await coordinator.triggers.get(trigger.trigger_id)).last_fired_at).not.toBeNull();
    // Nothing else arrived: the unrelated memory notified no one.
    expect((await agentB.inbox.poll(AGENT_B, { waitSeconds: 1 })).items).toEqual([]);
  });

  it("refuses a trigger for an agent that does not exist, and a webhook to a private address", async () => {
    await expect(coordinator.triggers.create({ name: "x", concept: "anything", threshold: 0.5, action: { type: "agent_notify", target_agent_id: "agent-z" } })).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    await expect(
      coordinator.triggers.create({ name: "x", concept: "anything", threshold: 0.5, action: { type: "webhook", url: "http://127.0.0.1:9/", secret: "whsec_0123456789abcdef" } }),
    ).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    expect((await coordinator.triggers.list()).items).toHaveLength(1);
  });
});
