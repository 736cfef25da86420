import { database } from "../db/client";
import { embedderFor } from "./embeddings";
import type { MemoryServices } from "./memory-writes";
import { vectorIndexFor } from "./vector-index";

/** The D1 database, embedder and vector index this deployment is configured with (see README, "Configuration"). */
export const memoryServices = (env: Env): MemoryServices => ({
  db: database(env),
  embedder: embedderFor(env),
  index: vectorIndexFor(env),
});
