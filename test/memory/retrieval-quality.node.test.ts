import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../src/memory/embeddings/local-embedder";
import { recallAtK } from "../fixtures/recall";
import { LABELLED_MEMORIES, RETRIEVAL_CORPUS } from "../fixtures/retrieval-set";

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe("retrieval quality of the local embedder", async () => {
  const embedder = new LocalEmbedder();
  const memories = await embedder.embed(RETRIEVAL_CORPUS.map((m) => m.content));
  const questions = LABELLED_MEMORIES.filter((m) => m.question !== undefined);
  const rankings = await Promise.all(
    questions.map(async (m) => {
      const [q] = await embedder.embed([m.question!]);
      const ranked = RETRIEVAL_CORPUS.map((doc, i) => ({ id: doc.id, score: dot(q!, memories[i]!) }))
        .sort((a, b) => b.score - a.score)
        .map((r) => r.id);
      return { expected: m.id, ranked };
    }),
  );

  it("has a labelled set of at least 60 questions and 40 distractors", () => {
    expect(questions.length).toBeGreaterThanOrEqual(60);
    expect(RETRIEVAL_CORPUS.length - LABELLED_MEMORIES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(RETRIEVAL_CORPUS.map((m) => m.id)).size).toBe(RETRIEVAL_CORPUS.length);
  });

  it("finds each question's memory in the top 5 for at least 80% of questions", () => {
    const at1 = recallAtK(rankings, 1);
    const at5 = recallAtK(rankings, 5);
    const at10 = recallAtK(rankings, 10);
    console.log(`local embedder on ${rankings.length} questions over ${RETRIEVAL_CORPUS.length} memories: recall@1 ${at1.toFixed(3)}, recall@5 ${at5.toFixed(3)}, recall@10 ${at10.toFixed(3)}`);
    expect(at5).toBeGreaterThanOrEqual(0.8);
  });

  it("ranks the LTV memory first for the lifetime-value question", () => {
    const seed = rankings.find((r) => r.expected === "seg-ltv");
    expect(LABELLED_MEMORIES.find((m) => m.id === "seg-ltv")?.question).toBe("Which customer segment has the highest lifetime value?");
    expect(seed?.ranked[0]).toBe("seg-ltv");
  });
});

describe("recallAtK", () => {
  it("counts the questions whose answer is within the first k", () => {
    const rows = [
      { expected: "a", ranked: ["a", "b", "c"] },
      { expected: "b", ranked: ["a", "c", "b"] },
      { expected: "z", ranked: ["a", "b", "c"] },
      { expected: "c", ranked: ["c"] },
    ];
    expect(recallAtK(rows, 1)).toBe(0.5);
    expect(recallAtK(rows, 3)).toBe(0.75);
    expect(recallAtK([], 5)).toBe(0);
  });
});
