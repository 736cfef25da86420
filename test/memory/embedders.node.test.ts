import { describe, expect, it } from "vitest";
import { EMBEDDING_DIMENSIONS, EmbeddingError } from "../../src/memory/embeddings/embedder";
import { LocalEmbedder } from "../../src/memory/embeddings/local-embedder";
import { conceptsOf } from "../../src/memory/embeddings/local/concept-matcher";
import { stem } from "../../src/memory/embeddings/local/porter-stemmer";
import { americanise } from "../../src/memory/embeddings/local/spelling";
import { termsOf } from "../../src/memory/embeddings/local/terms";
import { type TextEmbeddingModel, WORKERS_AI_EMBEDDING_MODEL, WorkersAiEmbedder } from "../../src/memory/embeddings/workers-ai-embedder";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe("local embedder", () => {
  const embedder = new LocalEmbedder();

  it("gives every text a 384-dimension unit vector, the same one every time", async () => {
    const texts = ["Customer segment 'enterprise' has 42% higher LTV than mid-market.", "", "   ?!", "the and of", "Déjà vu: café revenue"];
    const first = await embedder.embed(texts);
    const again = await new LocalEmbedder().embed(texts);
    expect(first).toHaveLength(texts.length);
    first.forEach((v, i) => {
      expect(v).toHaveLength(EMBEDDING_DIMENSIONS);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(Array.from(v)).toEqual(Array.from(again[i]!));
    });
  });

  it("places a paraphrase nearer than unrelated text", async () => {
    const [memory, paraphrase, unrelated] = await embedder.embed([
      "Customer segment 'enterprise' has 42% higher LTV than mid-market.",
      "Which customer segment has the highest lifetime value?",
      "The staging environment is reset every Sunday night.",
    ]);
    expect(dot(memory!, paraphrase!)).toBeGreaterThan(dot(memory!, unrelated!) + 0.2);
  });

  it("matches synonyms, inflections, accents and British spellings", () => {
    const near = (a: string, b: string) => dot(embedder.embedText(a), embedder.embedText(b));
    expect(near("client income", "customer revenue")).toBeGreaterThan(0.5);
    expect(near("deployments failed", "deploying failure")).toBeGreaterThan(0.5);
    expect(near("GPU utilisation", "gpu utilization")).toBeGreaterThan(0.8);
    expect(near("Café résumé", "cafe resume")).toBeCloseTo(1, 5);
    expect(near("client income", "office snacks")).toBeLessThan(0.2);
  });

  it("tolerates a typo through character n-grams", () => {
    const right = embedder.embedText("kubernetes upgrade");
    expect(dot(right, embedder.embedText("kubernets upgrade"))).toBeGreaterThan(dot(right, embedder.embedText("database upgrade")));
  });

  it("embeds thousands of short texts per second", async () => {
    const texts = Array.from({ length: 2000 }, (_, i) => `Agent ${i} observed that churn for cohort ${i % 12} rose after the pricing change.`);
    const started = performance.now();
    await embedder.embed(texts);
    // workerd's clock moves only across I/O, so this is a ceiling check in Node and a no-op here at worst.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("local embedder parts", () => {
  it("stems with Porter's rules", () => {
    const cases: Record<string, string> = {
      caresses: "caress", ponies: "poni", hopping: "hop", filing: "file", happy: "happi", relational: "relat",
      generalizations: "gener", customers: "custom", deployment: "deploy", deployed: "deploy", agreed: "agre",
      electrical: "electr", adjustable: "adjust", controll: "control", deploying: "deploy", cry: "cri", say: "say", q3: "q3",
    };
    for (const [word, expected] of Object.entries(cases)) expect(stem(word), word).toBe(expected);
  });

  it("folds British spellings onto American ones alike for every inflection", () => {
    expect(americanise("organisation")).toBe("organization");
    expect(americanise("optimised")).toBe("optimized");
    expect(americanise("behaviours")).toBe("behaviors");
    expect(americanise("rise")).toBe("rise");
    expect(americanise("rising")).toBe("rising");
    expect(americanise("hours")).toBe("hours");
  });

  it("normalises text into terms, marking stop words and turning symbols into words", () => {
    expect(termsOf("The client's 42% LTV, in $!").map((t) => t.key)).toEqual(["_the", "client", "42", "percent", "ltv", "_in", "usd"]);
  });

  it("finds concepts in phrases, across stop words, once per phrase", () => {
    const concepts = (text: string) => conceptsOf(termsOf(text)).map((c) => c.concept);
    expect(concepts("customer lifetime value")).toEqual(expect.arrayContaining(["customer", "ltv"]));
    expect(concepts("annual recurring revenue").filter((c) => c === "revenue")).toHaveLength(1);
    expect(concepts("win a new buyer")).toContain("cac");
    expect(concepts("why did it go down")).toEqual(expect.arrayContaining(["cause", "decrease"]));
    expect(concepts("they throttled us")).not.toContain("usage");
  });
});

/** A stand-in for the Workers AI binding that records its calls and answers like BGE (vectors near, not at, unit length). */
function fakeAi(answer?: (texts: string[]) => unknown): TextEmbeddingModel & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(model, inputs) {
      expect(model).toBe(WORKERS_AI_EMBEDDING_MODEL);
      expect(inputs.pooling).toBe("cls");
      calls.push(inputs.text);
      if (answer) return answer(inputs.text);
      return {
        shape: [inputs.text.length, 384],
        data: inputs.text.map((t) => Array.from({ length: 384 }, (_, i) => ((t.length + i) % 7) - 3 + 0.5)),
        pooling: "cls",
      };
    },
  };
}

describe("Workers AI embedder", () => {
  it("embeds in batches of at most 100 texts, in order", async () => {
    const ai = fakeAi();
    const texts = Array.from({ length: 250 }, (_, i) => `memory ${i}`);
    const vectors = await new WorkersAiEmbedder(ai).embed(texts);
    expect(ai.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(ai.calls.flat()).toEqual(texts);
    expect(vectors).toHaveLength(250);
  });

  it("scales every vector to unit length", async () => {
    const [v] = await new WorkersAiEmbedder(fakeAi()).embed(["Globex is our largest account."]);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toHaveLength(384);
    expect(norm(v!)).toBeCloseTo(1, 5);
  });

  it("makes no call for no texts", async () => {
    const ai = fakeAi();
    expect(await new WorkersAiEmbedder(ai).embed([])).toEqual([]);
    expect(ai.calls).toEqual([]);
  });

  it("raises a failed call as EmbeddingError, with the cause", async () => {
    const failure = new Error("3040: Capacity temporarily exceeded");
    const embedder = new WorkersAiEmbedder(
      fakeAi(() => {
        throw failure;
      }),
    );
    const error = await embedder.embed(["x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect((error as EmbeddingError).cause).toBe(failure);
    expect((error as EmbeddingError).message).toMatch(/Capacity temporarily exceeded/);
  });

  it("raises an answer of the wrong shape as EmbeddingError", async () => {
    const wrongCount = new WorkersAiEmbedder(fakeAi(() => ({ data: [] })));
    await expect(wrongCount.embed(["x"])).rejects.toThrow(EmbeddingError);
    const wrongSize = new WorkersAiEmbedder(fakeAi((texts) => ({ data: texts.map(() => [1, 2, 3]) })));
    await expect(wrongSize.embed(["x"])).rejects.toThrow(/3 dimensions/);
    const queued = new WorkersAiEmbedder(fakeAi(() => ({ request_id: "async-1" })));
    await expect(queued.embed(["x"])).rejects.toThrow(/no embeddings/);
    const zero = new WorkersAiEmbedder(fakeAi((texts) => ({ data: texts.map(() => new Array(384).fill(0)) })));
    await expect(zero.embed(["x"])).rejects.toThrow(EmbeddingError);
  });
});
