import { sql } from "drizzle-orm";
import { guardRailsVersionColumn } from "../guard-rails/deployment-rules";

// `_catalog_version` (migration 0015): a token that SQLite triggers change with every change to
// workflows, agents, agent versions and A/B tests. Authentication reads it with the caller's key.

export const catalogVersionColumn = sql<string | null>`(SELECT version FROM _catalog_version WHERE id = 1)`;

/** The two version tokens a run start keys its caches by: the catalog's and the deployment guard rails'. */
export interface StartTokens {
  catalogVersion?: string;
  guardRailsVersion?: string;
}

const BOTH = "SELECT (SELECT version FROM _catalog_version WHERE id = 1) AS catalog, (SELECT version FROM _guard_rails WHERE id = 1) AS guard_rails";

/**
 * The tokens the caller holds (authentication, a hook's or trigger's row, an event batch read them along
 * with what they read anyway), and the missing ones read together in one statement.
 */
export async function startTokens(db: D1Database, held: StartTokens = {}): Promise<StartTokens> {
  if (held.catalogVersion !== undefined && held.guardRailsVersion !== undefined) return held;
  const row = await db.prepare(BOTH).first<{ catalog: string | null; guard_rails: string | null }>();
  const catalogVersion = held.catalogVersion ?? row?.catalog ?? undefined;
  const guardRailsVersion = held.guardRailsVersion ?? row?.guard_rails ?? undefined;
  return { ...(catalogVersion === undefined ? {} : { catalogVersion }), ...(guardRailsVersion === undefined ? {} : { guardRailsVersion }) };
}

/** Both tokens as columns, for a statement that reads a row a start needs anyway (a hook, a trigger). */
export const startTokenColumns = { catalogVersion: catalogVersionColumn, guardRailsVersion: guardRailsVersionColumn };

/** Drizzle reads NULL as null: as StartTokens, absent. */
export const startTokensOf = (row: { catalogVersion: string | null; guardRailsVersion: string | null }): StartTokens => ({
  ...(row.catalogVersion === null ? {} : { catalogVersion: row.catalogVersion }),
  ...(row.guardRailsVersion === null ? {} : { guardRailsVersion: row.guardRailsVersion }),
});
