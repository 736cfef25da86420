import { ApiError } from "./http/errors";

/**
 * The admin token local development falls back to when ADMIN_TOKEN is unset. `npm run dev` prints it.
 * A deployed worker (SWITCHYARD_ENV=production, the wrangler.toml default) never uses it.
 */
export const DEV_ADMIN_TOKEN = "sy_admin_dev_only";

export const isProduction = (env: Env) => env.SWITCHYARD_ENV !== "development";

export function adminToken(env: Env): string {
  const configured = (env as { ADMIN_TOKEN?: string }).ADMIN_TOKEN;
  if (configured) return configured;
  if (!isProduction(env)) return DEV_ADMIN_TOKEN;
  throw new ApiError(
    "unavailable",
    "This deployment has no ADMIN_TOKEN secret, so admin calls are refused. Set one with `wrangler secret put ADMIN_TOKEN`.",
  );
}

export type EmbeddingsProvider = "workers-ai" | "local";
export type VectorIndexProvider = "vectorize" | "local";

export function embeddingsProvider(env: Env): EmbeddingsProvider {
  return env.EMBEDDINGS === "local" ? "local" : "workers-ai";
}

export function vectorIndexProvider(env: Env): VectorIndexProvider {
  return env.VECTOR_INDEX === "local" ? "local" : "vectorize";
}

/** The memory metadata fields with a Vectorize metadata index (README, "Deploy"): filters on others are applied in D1 only. */
export function vectorizeFilterFields(env: Env): ReadonlySet<string> {
  return new Set(env.VECTORIZE_FILTER_FIELDS.split(",").map((f) => f.trim()).filter(Boolean));
}
