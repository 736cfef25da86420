// Seed pattern 1, "shared memory": one agent stores what it learned in a shared namespace; another agent,
// which never talked to it, finds it by asking in its own words. Private namespaces stay private.
import { beforeAll, describe, expect, it } from "vitest";
import { type Memory, Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const ANALYST = "revenue-analyst";
const PLANNER = "campaign-planner";
const SHARED = "shared-knowledge-base";
const INSIGHT = "Customer segment 'enterprise' has 42% higher LTV than mid-market.";

/** Other things the team learned, none of them about which segment is worth most. */
const UNRELATED = [
  "The nightly ETL job for the billing warehouse finishes around 03:40 UTC.",
  "Support tickets about password resets doubled after the SSO migration.",
  "The Berlin office moves to the new building on the first of March.",
  "Invoices in Brazil must include the CNPJ tax number of the buyer.",
  "The staging database is refreshed from a production snapshot every Sunday.",
];

describe("shared memory between agents that never talked", () => {
  const local = localServer();
  let analyst: Switchyard;
  let planner: Switchyard;
  let insight: Memory;
  let privateNote: Memory;

  beforeAll(async () => {
    const admin = local.admin();
    const clientFor = async (agentId: string) => {
      await admin.agents.create({ agent_id: agentId });
      const { api_key } = await admin.agents.keys.create(agentId);
      return local.client(api_key);
    };
    analyst = await clientFor(ANALYST);
    planner = await clientFor(PLANNER);
  });

  it("lets agent A store an insight, with metadata, in a shared namespace", async () => {
    insight = await analyst.memory.store({
      agent_id: SHARED,
      content: INSIGHT,
      metadata: { source: "q3-analysis", confidence: 0.93 },
      importance: 0.8,
    });
    expect(insight).toMatchObject({
      agent_id: SHARED,
      content: INSIGHT,
      metadata: { source: "q3-analysis", confidence: 0.93 },
      memory_type: "fact",
      importance: 0.8,
      expires_at: null,
    });
    expect(insight.memory_id).toMatch(/^mem_/);
    const { items } = await analyst.memory.storeBatch(UNRELATED.map((content) => ({ agent_id: SHARED, content, metadata: { source: "ops-notes" } })));
    expect(items.map((m) => m.content)).toEqual(UNRELATED);
  });

  it("stores a memory once for one Idempotency-Key, however often the request is sent", async () => {
    const input = { agent_id: ANALYST, content: "Draft the Q4 forecast after the board meeting.", memory_type: "instruction" as const };
    privateNote = await analyst.memory.store(input, { idempotencyKey: "analyst-note-1" });
    const again = await analyst.memory.store(input, { idempotencyKey: "analyst-note-1" });
    expect(again.memory_id).toBe(privateNote.memory_id);
    const { items } = await analyst.memory.list({ agent_id: ANALYST });
    expect(items.map((m) => m.memory_id)).toEqual([privateNote.memory_id]);
  });

  it("finds A's insight first when agent B asks its own question in the shared namespace", async () => {
    const { results } = await planner.memory.search({
      agent_id: SHARED,
      query: "Which customer segment has the highest lifetime value?",
    });
    expect(results.length).toBeGreaterThan(0);
    const [best] = results;
    expect(best).toMatchObject({
      memory_id: insight.memory_id,
      agent_id: SHARED,
      content: INSIGHT,
      metadata: { source: "q3-analysis", confidence: 0.93 },
    });
    for (const result of results) {
      expect(typeof result.score).toBe("number");
      expect(result.score).toBeGreaterThanOrEqual(0);
      expect(result.score).toBeLessThanOrEqual(1);
    }
    const scores = results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("lets B read the shared insight by id and walk the whole namespace page by page", async () => {
    expect(await planner.memory.get(insight.memory_id)).toMatchObject({ memory_id: insight.memory_id, content: INSIGHT });
    const contents: string[] = [];
    for await (const memory of planner.memory.listAll({ agent_id: SHARED, limit: 2 })) contents.push(memory.content);
    expect(contents.sort()).toEqual([INSIGHT, ...UNRELATED].sort());
  });

  it("keeps A's private namespace from B: search, list and get are 403 forbidden", async () => {
    const search = planner.memory.search({ agent_id: ANALYST, query: "Q4 forecast" });
    await expect(search).rejects.toBeInstanceOf(SwitchyardError);
    await expect(search).rejects.toMatchObject({ status: 403, code: "forbidden" });
    await expect(planner.memory.search({ agent_id: [SHARED, ANALYST], query: "Q4 forecast" })).rejects.toMatchObject({ status: 403 });
    await expect(planner.memory.list({ agent_id: ANALYST })).rejects.toMatchObject({ status: 403, code: "forbidden" });
    await expect(planner.memory.get(privateNote.memory_id)).rejects.toMatchObject({ status: 403, code: "forbidden" });

    // A itself still finds it.
    const { results } = await analyst.memory.search({ agent_id: ANALYST, query: "When is the Q4 forecast drafted?" });
    expect(results[0]?.memory_id).toBe(privateNote.memory_id);
  });
});
