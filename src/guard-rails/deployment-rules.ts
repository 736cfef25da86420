import { eq, sql } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { guardRailSet } from "../db/schema";
import { isoNow } from "../lib/time";
import { type GuardRails, GuardRailsSchema } from "./rules";

/**
 * The deployment's guard rails (`PUT|GET /v1/guard-rails`): one D1 row with a version token that changes
 * with every write, and a per-isolate cache of the parsed rules keyed by that token. Authentication reads
 * the token in the same statement as the caller's key (http/auth.ts), so a request learns whether its
 * isolate's rules are current without a read of its own, and a change is seen on the very next request.
 */

export interface DeploymentGuardRails {
  version: string;
  rules: GuardRails;
  updated_at: string | null;
  updated_by: string | null;
}

/** The version before anyone set a rule (the migration's row): no rules, known without reading D1. */
export const INITIAL_VERSION = "0";

/** The version token as a scalar subquery, for authentication to read in its own statement. */
export const guardRailsVersionColumn = sql<string | null>`(SELECT ${guardRailSet.version} FROM ${guardRailSet} WHERE ${guardRailSet.id} = 1)`;

function parseRules(text: string): GuardRails {
  // Stored only after validation; parsed again so a hand-edited row cannot smuggle in an unknown rule.
  const parsed = GuardRailsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the stored deployment guard rails are invalid: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}

export async function loadDeploymentGuardRails(db: Database): Promise<DeploymentGuardRails> {
  const [row] = await db.select().from(guardRailSet).where(eq(guardRailSet.id, 1));
  if (!row) return { version: INITIAL_VERSION, rules: {}, updated_at: null, updated_by: null };
  return { version: row.version, rules: parseRules(row.rules), updated_at: row.updatedAt, updated_by: row.updatedBy };
}

/** Only the token: for callers whose authentication did not read it (the admin token). */
export async function readGuardRailsVersion(db: Database): Promise<string> {
  const [row] = await db.select({ version: guardRailSet.version }).from(guardRailSet).where(eq(guardRailSet.id, 1));
  return row?.version ?? INITIAL_VERSION;
}

/** Replaces the deployment's rules (a rule left out is no longer set); the new version and the audit row land together. */
export async function putDeploymentGuardRails(db: Database, rules: GuardRails, audit: Pick<AuditEntry, "agentId" | "requestId">): Promise<DeploymentGuardRails> {
  const now = isoNow();
  const version = crypto.randomUUID();
  const text = JSON.stringify(rules);
  await db.batch([
    db
      .insert(guardRailSet)
      .values({ id: 1, rules: text, version, updatedBy: audit.agentId, updatedAt: now })
      .onConflictDoUpdate({ target: guardRailSet.id, set: { rules: text, version, updatedBy: audit.agentId, updatedAt: now } }),
    auditInsert(db, { ...audit, action: "guard_rail:manage", resource: "guard_rail:deployment", status: "success", details: { rules } }),
  ]);
  const entry = { version, rules, updated_at: now, updated_by: audit.agentId };
  remember(entry);
  return entry;
}

// --- the per-isolate cache --------------------------------------------------------------------------

let current: { version: string; rules: GuardRails } = { version: INITIAL_VERSION, rules: {} };
let loading: { version: string; promise: Promise<GuardRails> } | undefined;

function remember(entry: { version: string; rules: GuardRails }): void {
  current = { version: entry.version, rules: entry.rules };
}

/**
 * The deployment's rules at `version` (the token the request's authentication read). The same version as
 * the isolate holds costs nothing; another one reloads the row once, shared by concurrent requests.
 */
export function deploymentGuardRailsAt(db: Database, version: string): GuardRails | Promise<GuardRails> {
  if (current.version === version) return current.rules;
  // Concurrent requests that need the same reload share it.
  if (loading?.version === version) return loading.promise;
  const promise = loadDeploymentGuardRails(db).then((loaded) => {
    remember(loaded);
    return loaded.rules;
  });
  const entry = { version, promise };
  loading = entry;
  const done = () => {
    if (loading === entry) loading = undefined;
  };
  promise.then(done, done);
  return promise;
}
