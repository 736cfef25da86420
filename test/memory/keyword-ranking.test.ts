import { describe, expect, it } from "vitest";
import { api, newAgent, uniqueId } from "../helpers";

// The keyword ranking reads FTS5's best matches first and joins only those to their rows; these tests
// crowd those places with memories the search may not return, so the exact second query must answer.
describe("keyword search when other memories outrank the allowed ones", () => {
  const word = () => `zq${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  async function storeMany(key: string, agentId: string, contents: string[], metadata: Record<string, unknown> = {}) {
    for (let i = 0; i < contents.length; i += 100) {
      const memories = contents.slice(i, i + 100).map((content) => ({ agent_id: agentId, content, metadata }));
      const res = await api("POST", "/v1/memory/batch", { key, body: { memories } });
      expect(res.status).toBe(201);
    }
  }

  it("finds a namespace's weak match under many stronger matches in another namespace", async () => {
    const a = await newAgent();
    const term = word();
    const crowded = uniqueId("crowded");
    const quiet = uniqueId("quiet");
    // 80 short, dense matches elsewhere outrank the one long, diluted match in the namespace searched.
    await storeMany(a.key, crowded, Array.from({ length: 80 }, (_, i) => `${term} ${term} note ${i}`));
    await storeMany(a.key, quiet, [`A long and rambling memory that mentions ${term} only once among many other words about nothing much.`]);
    const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: quiet, query: term, mode: "keyword", top_k: 5 } });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.results[0].agent_id).toBe(quiet);
    expect(res.body.results[0].score).toBe(1);
  });

  it("fills top_k from the allowed memories when a filter excludes the best matches", async () => {
    const a = await newAgent();
    const term = word();
    const ns = uniqueId("filtered");
    await storeMany(a.key, ns, Array.from({ length: 70 }, (_, i) => `${term} ${term} draft ${i}`), { kind: "draft" });
    await storeMany(a.key, ns, Array.from({ length: 12 }, (_, i) => `The final version ${i} of a longer text that says ${term} once.`), { kind: "final" });
    const res = await api("POST", "/v1/memory/search", {
      key: a.key,
      body: { agent_id: ns, query: term, mode: "keyword", top_k: 10, filter: { kind: "final" } },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(10);
    for (const r of res.body.results) expect(r.metadata).toEqual({ kind: "final" });
  });

  it("ranks a namespace's own matches best first when they fill the first read", async () => {
    const a = await newAgent();
    const term = word();
    const ns = uniqueId("plain");
    await storeMany(a.key, ns, [...Array.from({ length: 40 }, (_, i) => `filler ${i} with ${term} and several other words`), `${term} ${term} ${term}`]);
    const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: term, mode: "keyword", top_k: 10 } });
    expect(res.body.results).toHaveLength(10);
    expect(res.body.results[0].content).toBe(`${term} ${term} ${term}`);
    const scores = res.body.results.map((r: { score: number }) => r.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });
});
