import { sql } from "drizzle-orm";

// `_catalog_version` (migration 0015): a token that SQLite triggers change with every change to
// workflows, agents, agent versions and A/B tests. Authentication reads it with the caller's key.

export const catalogVersionColumn = sql<string | null>`(SELECT version FROM _catalog_version WHERE id = 1)`;

/** The token, read on its own (for starts that have no authenticated caller: schedules, events, hooks). */
export async function readCatalogVersion(db: D1Database): Promise<string | null> {
  return (await db.prepare("SELECT version FROM _catalog_version WHERE id = 1").first<{ version: string }>())?.version ?? null;
}
