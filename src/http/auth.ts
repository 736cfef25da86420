import { and, eq, isNull, sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { keyLookup } from "../agents/keys";
import { ADMIN_PRINCIPAL, type Principal } from "../authz/principal";
import { adminToken } from "../config";
import { type Database, database } from "../db/client";
import { agentKeys, agents } from "../db/schema";
import { catalogVersionColumn } from "../runs/catalog-version";
import { eventRoutingVersionColumn } from "../events/routing-version";
import { policySetVersionColumn } from "../policy/policy-store";
import { digestsEqual, secretsEqual, sha256Hex } from "../lib/crypto";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { upgradeKey } from "./websocket-auth";

/** The key a request presents: `Authorization: Bearer <key>` or `ApiKey <key>`, or `X-API-Key`. */
export function presentedKey(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

const unauthorized = (message: string) => new ApiError("unauthorized", message);

/**
 * Routes that may start reading before the caller is known, because they only read and authorise (which
 * waits for authentication, see `principalOf`) before they answer: their latency is then the longer of
 * the two, not the sum. Every other route runs only once the caller is known.
 */
const READS_AHEAD_OF_AUTHENTICATION = [/^POST \/v1\/memory\/search$/, /^GET \/v1\/state\/[^/]+\/[^/]+$/];
const readsAhead = (method: string, path: string) => READS_AHEAD_OF_AUTHENTICATION.some((route) => route.test(`${method} ${path}`));

/** Resolves the caller on every request: no cache, so a revoked key fails on its very next use. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  // An in-process request (http/in-process.ts) arrives with its caller already authenticated.
  if (c.get("principal") as Principal | undefined) return next();
  const key = presentedKey(c.req.raw.headers) ?? upgradeKey(c.req.raw);
  if (!key) throw unauthorized("Send your key as `Authorization: Bearer <key>` (or `X-API-Key: <key>`).");
  const pending = principalFor(c.env, key);
  c.set("authentication", pending);
  if (readsAhead(c.req.method, c.req.path)) {
    pending.catch(() => undefined); // the route awaits it through principalOf, which raises the 401
  } else {
    c.set("principal", await pending);
  }
  await next();
};

/** The authenticated caller, waiting for authentication where the route read ahead of it. */
export async function principalOf(c: Context<AppEnv>): Promise<Principal> {
  const known = c.get("principal") as Principal | undefined;
  if (known) return known;
  const principal = await c.get("authentication");
  c.set("principal", principal);
  return principal;
}

async function principalFor(env: Env, key: string): Promise<Principal> {
  if (key.startsWith("sy_")) {
    const agent = await agentForKey(env, key);
    if (agent) return agent;
  }
  if (isAdminToken(env, key)) return ADMIN_PRINCIPAL;
  throw unauthorized("The key is not valid: it is unknown, revoked, or its agent was deleted.");
}

/** Throws 503 on a deployment with no ADMIN_TOKEN: a key that is no agent's can only be an admin call. */
function isAdminToken(env: Env, key: string): boolean {
  return secretsEqual(key, adminToken(env));
}

/** The key lookup, built once per database: it runs on every request, so its SQL is not rebuilt each time. */
const keyQueries = new WeakMap<Database, ReturnType<typeof keyQuery>>();

function keyQuery(db: Database) {
  return db
    .select({
      keyId: agentKeys.keyId,
      keyHash: agentKeys.keyHash,
      agentId: agents.agentId,
      role: agents.role,
      attributes: agents.attributes,
      // In the same statement: the decision then knows whether its compiled policies are current.
      policySetVersion: policySetVersionColumn,
      catalogVersion: catalogVersionColumn,
      eventRoutingVersion: eventRoutingVersionColumn,
    })
    .from(agentKeys)
    .innerJoin(agents, eq(agents.agentId, agentKeys.agentId))
    .where(and(eq(agentKeys.lookup, sql.placeholder("lookup")), isNull(agentKeys.revokedAt)))
    .prepare();
}

async function agentForKey(env: Env, key: string): Promise<Principal | undefined> {
  const hash = sha256Hex(key);
  const db = database(env);
  let query = keyQueries.get(db);
  if (!query) {
    query = keyQuery(db);
    keyQueries.set(db, query);
  }
  const candidates = await query.all({ lookup: keyLookup(hash) });
  for (const row of candidates) {
    if (digestsEqual(hash, row.keyHash)) {
      return {
        agentId: row.agentId,
        role: row.role,
        attributes: JSON.parse(row.attributes) as Record<string, unknown>,
        keyId: row.keyId,
        ...(row.policySetVersion === null ? {} : { policySetVersion: row.policySetVersion }),
        ...(row.catalogVersion === null ? {} : { catalogVersion: row.catalogVersion }),
        ...(row.eventRoutingVersion === null ? {} : { eventRoutingVersion: row.eventRoutingVersion }),
      };
    }
  }
  return undefined;
}
