import { embeddingsProvider } from "../../config";
import type { Embedder } from "./embedder";
import { LocalEmbedder } from "./local-embedder";
import { WorkersAiEmbedder } from "./workers-ai-embedder";

export { EMBEDDING_DIMENSIONS, type Embedder, EmbeddingError } from "./embedder";

/** The embedder this deployment is configured with: EMBEDDINGS="workers-ai" (the default) or "local". */
export function embedderFor(env: Env): Embedder {
  return embeddingsProvider(env) === "local" ? new LocalEmbedder() : new WorkersAiEmbedder(env.AI);
}
