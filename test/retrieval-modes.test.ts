import { describe, expect, it } from "vitest";
import { QUESTIONS, RETRIEVAL_CORPUS } from "./fixtures/retrieval-set";
import { recallAtK } from "./fixtures/recall";
import { api, newAgent, uniqueId } from "./helpers";

// The labelled set through the real API: every memory stored in one namespace, every question asked in
// each mode. Hybrid search exists to beat either ranking alone, so the test holds it to that.
describe("retrieval quality by mode", () => {
  it("hybrid recall@5 beats both keyword and vector on the labelled set", async () => {
    const a = await newAgent();
    const ns = uniqueId("retrieval");
    const memoryIds = new Map<string, string>();
    for (const m of RETRIEVAL_CORPUS) {
      const res = await api("POST", "/v1/memory", { key: a.key, body: { agent_id: ns, content: m.content, metadata: m.metadata ?? {} } });
      memoryIds.set(m.id, res.body.memory_id);
    }
    const recall: Record<string, number> = {};
    for (const mode of ["keyword", "vector", "hybrid"]) {
      const ranked = [];
      for (const m of QUESTIONS) {
        const res = await api("POST", "/v1/memory/search", { key: a.key, body: { agent_id: ns, query: m.question, mode, top_k: 5 } });
        ranked.push({ expected: memoryIds.get(m.id)!, ranked: res.body.results.map((r: { memory_id: string }) => r.memory_id) });
      }
      recall[mode] = recallAtK(ranked, 5);
    }
    console.log("recall@5", recall);
    expect(recall.hybrid).toBeGreaterThan(recall.keyword!);
    expect(recall.hybrid).toBeGreaterThan(recall.vector!);
  });
});
