import { EMBEDDING_DIMENSIONS, type Embedder, EmbeddingError } from "./embedder";

export const WORKERS_AI_EMBEDDING_MODEL = "@cf/baai/bge-small-en-v1.5";

/** Workers AI takes at most this many texts in one embedding call. */
export const WORKERS_AI_MAX_BATCH = 100;

/**
 * The one call of the Workers AI binding this embedder makes, so that tests can stand in for it.
 * `env.AI` satisfies it.
 */
export interface TextEmbeddingModel {
  run(
    model: typeof WORKERS_AI_EMBEDDING_MODEL,
    inputs: { text: string[]; pooling: "cls" },
  ): Promise<unknown>;
}

/**
 * Production embeddings: BGE small (384 dimensions) on Workers AI. `cls` pooling is what BGE was trained
 * with and what Cloudflare recommends; it is fixed here because vectors pooled differently do not compare,
 * so changing it means re-embedding every stored memory.
 */
export class WorkersAiEmbedder implements Embedder {
  readonly model = WORKERS_AI_EMBEDDING_MODEL;

  constructor(private readonly ai: TextEmbeddingModel) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += WORKERS_AI_MAX_BATCH) {
      const batch = texts.slice(start, start + WORKERS_AI_MAX_BATCH);
      vectors.push(...(await this.embedBatch(batch)));
    }
    return vectors;
  }

  private async embedBatch(texts: string[]): Promise<Float32Array[]> {
    let output: unknown;
    try {
      output = await this.ai.run(this.model, { text: texts, pooling: "cls" });
    } catch (err) {
      throw new EmbeddingError(`Workers AI could not embed ${texts.length} text(s) with ${this.model}: ${messageOf(err)}`, { cause: err });
    }
    const data = embeddingsIn(output);
    if (!data || data.length !== texts.length) {
      throw new EmbeddingError(
        `Workers AI answered ${this.model} with ${data ? `${data.length} embeddings for ${texts.length} texts` : "no embeddings"}; expected one ${EMBEDDING_DIMENSIONS}-dimension vector per text.`,
      );
    }
    return data.map((values, i) => unitVector(values, i));
  }
}

function embeddingsIn(output: unknown): unknown[] | undefined {
  if (typeof output !== "object" || output === null || !("data" in output)) return undefined;
  return Array.isArray(output.data) ? output.data : undefined;
}

/** BGE's vectors are close to unit length but not exactly; the index's scores are dot products, so they must be. */
function unitVector(values: unknown, index: number): Float32Array {
  if (!Array.isArray(values) || values.length !== EMBEDDING_DIMENSIONS) {
    throw new EmbeddingError(`Workers AI returned embedding ${index} with ${Array.isArray(values) ? values.length : "no"} dimensions; expected ${EMBEDDING_DIMENSIONS}.`);
  }
  const vector = new Float32Array(EMBEDDING_DIMENSIONS);
  let sum = 0;
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) {
    const x: unknown = values[i];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new EmbeddingError(`Workers AI returned embedding ${index} with a non-numeric value at ${i}.`);
    vector[i] = x;
    sum += x * x;
  }
  if (sum === 0) throw new EmbeddingError(`Workers AI returned embedding ${index} as a zero vector, which has no direction to compare.`);
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) vector[i]! *= inv;
  return vector;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
