/** Every embedder yields vectors of this size, so the index has one shape in development and production. */
export const EMBEDDING_DIMENSIONS = 384;

/** Turns texts into unit-length vectors whose dot product is their cosine similarity. */
export interface Embedder {
  /** Names the model; stored with nothing, shown in logs and the bench. */
  readonly model: string;
  /** One vector per text, in order. Throws `EmbeddingError` when the texts cannot be embedded. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export class EmbeddingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EmbeddingError";
  }
}
