import { may, principalsById } from "../authz/may";
import type { Database } from "../db/client";
import { namespaceResource, privateNamespaces } from "../memory/namespaces";

/** A trigger may only listen to what its creator may read: this is the question, asked at firing time. */
export interface Listening {
  creator: string;
  namespace: string;
}

/**
 * Decides, for memories just stored, whether each trigger's creator may `memory:read` the namespace, with
 * the policies in force now (they may have changed since the trigger was saved, and a trigger without
 * `namespaces` was never checked against any). A creator that no longer exists may read nothing. One D1
 * batch and one query, only when something matched.
 */
export async function creatorsMayRead(db: Database, pairs: readonly Listening[]): Promise<(pair: Listening) => boolean> {
  if (pairs.length === 0) return () => false;
  const [{ principals, policies }, owned] = await Promise.all([
    principalsById(
      db,
      pairs.map((p) => p.creator),
    ),
    privateNamespaces(
      db,
      pairs.map((p) => p.namespace),
    ),
  ]);
  const context = { now: new Date(), request_id: "system:triggers" };
  const decided = new Map<string, boolean>();
  return ({ creator, namespace }) => {
    const key = `${creator}\u0000${namespace}`;
    let allowed = decided.get(key);
    if (allowed === undefined) {
      const principal = principals.get(creator);
      allowed = principal !== undefined && may(policies, principal, "memory:read", namespaceResource(namespace, owned.has(namespace)), context);
      decided.set(key, allowed);
    }
    return allowed;
  };
}
