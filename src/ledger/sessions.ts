import type { Resource } from "../authz/actions";

export const ledgerSession = (env: Env, sessionId: string) => env.LEDGER_SESSION.get(env.LEDGER_SESSION.idFromName(sessionId));

/**
 * A session's owner never changes once its first step is logged, so this isolate remembers owners it has
 * seen and skips asking the session's object before authorising the next append. Bounded: the oldest
 * entries go first.
 */
const knownOwners = new Map<string, string>();
const MAX_KNOWN_OWNERS = 10_000;

export async function sessionOwner(env: Env, sessionId: string): Promise<string | null> {
  const known = knownOwners.get(sessionId);
  if (known !== undefined) return known;
  const owner = await ledgerSession(env, sessionId).owner(sessionId);
  if (owner !== null) rememberOwner(sessionId, owner);
  return owner;
}

export function rememberOwner(sessionId: string, owner: string): void {
  if (knownOwners.size >= MAX_KNOWN_OWNERS) knownOwners.delete(knownOwners.keys().next().value!);
  knownOwners.set(sessionId, owner);
}

/**
 * `cot:<session_id>`. For writes the resource carries its owner, so that by default only the agent that
 * opened a session appends to it; reads carry none, so that supervisors (and, by default, any agent) read
 * and verify every session, unless a policy says otherwise.
 */
export const cotResource = (sessionId: string, owner?: string | null): Resource =>
  owner ? { type: "cot", id: sessionId, owner } : { type: "cot", id: sessionId };
