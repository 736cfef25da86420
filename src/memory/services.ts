import { database } from "../db/client";
import { matchStoredMemories } from "../triggers/outbox";
import { embedderFor } from "./embeddings";
import type { MemoryServices } from "./memory-writes";
import { vectorIndexFor } from "./vector-index";

/**
 * The D1 database, embedder and vector index this deployment is configured with (see README, "Configuration").
 * Given the request's execution context, stores are matched against the semantic triggers after the
 * response (the store never waits for it); without one, the cron's outbox sweep matches them.
 */
export const memoryServices = (env: Env, ctx?: Pick<ExecutionContext, "waitUntil">): MemoryServices => ({
  db: database(env),
  embedder: embedderFor(env),
  index: vectorIndexFor(env),
  ...(ctx
    ? {
        afterStore: (stored, model) =>
          ctx.waitUntil(matchStoredMemories(env, stored, model).catch((err) => console.error("trigger matching left to the cron sweep:", err))),
      }
    : {}),
});
