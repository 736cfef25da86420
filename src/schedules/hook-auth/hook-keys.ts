import { base64url } from "jose";
import { digestsEqual, sha256Hex } from "../../lib/crypto";
import { type HookAuthResult, refuse } from "./hook-auth-result";

/**
 * The keys of a `{type: webhook, auth: {type: api_key, header}}` hook. A key is `syh_` and 32 random
 * bytes in base64url (256 bits); only its SHA-256 is kept. The PUT that creates the hook shows the key
 * once, and `POST /v1/workflows/{name}/hooks/rotate` issues a new one while the old one stays valid for
 * an hour, so callers can switch without a window of refusals.
 */
export const HOOK_KEY_PREFIX = "syh_";
const KEY_BYTES = 32;

/** How long a rotated-out key keeps working. */
export const ROTATION_OVERLAP_MS = 60 * 60_000;
/** How long a rotated-out key is remembered after it stops working, so that a refusal can say why. */
export const RETIRED_KEY_MEMORY_MS = 7 * 24 * 60 * 60_000;
/** Rotating again and again within the overlap cannot grow the set past this. */
export const MAX_HOOK_KEYS = 10;

/** A stored key: its hash, and when it stops working (null while it is the current key). */
export interface HookKey {
  hash: string;
  expires_at: string | null;
}

export interface IssuedHookKeys {
  /** The new key, to show the caller once; it is not stored. */
  secret: string;
  keys: HookKey[];
}

export function generateHookKey(): string {
  return HOOK_KEY_PREFIX + base64url.encode(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

export const hashHookKey = (key: string): string => sha256Hex(key);

/** The key set of a new hook: one key, current. */
export function issueHookKeys(): IssuedHookKeys {
  const secret = generateHookKey();
  return { secret, keys: [{ hash: hashHookKey(secret), expires_at: null }] };
}

/**
 * A new current key; the keys that were current stop working an hour from `now`; keys that stopped
 * working more than RETIRED_KEY_MEMORY_MS ago are forgotten.
 */
export function rotateHookKeys(keys: readonly HookKey[], now: Date): IssuedHookKeys {
  const nowMs = now.getTime();
  const overlapEnds = new Date(nowMs + ROTATION_OVERLAP_MS).toISOString();
  const kept = keys
    .map((key) => (key.expires_at === null ? { hash: key.hash, expires_at: overlapEnds } : key))
    .filter((key) => key.expires_at !== null && Date.parse(key.expires_at) > nowMs - RETIRED_KEY_MEMORY_MS)
    // Latest to expire first, so that trimming to the cap forgets the longest-retired keys.
    .sort((a, b) => (a.expires_at! < b.expires_at! ? 1 : a.expires_at! > b.expires_at! ? -1 : 0))
    .slice(0, MAX_HOOK_KEYS - 1);
  const secret = generateHookKey();
  return { secret, keys: [{ hash: hashHookKey(secret), expires_at: null }, ...kept] };
}

/**
 * Checks the key a caller sent in the hook's header. Every stored hash is compared, in constant time,
 * whether or not an earlier one matched: how long a refusal takes says nothing about the keys. A key
 * stops working at its `expires_at` (from that instant on, not after it).
 */
export function verifyHookKey(presented: string | null | undefined, header: string, keys: readonly HookKey[], now: Date): HookAuthResult {
  if (presented === null || presented === undefined || presented.trim() === "") return refuse(`missing header ${header}`);
  const hash = hashHookKey(presented.trim());
  let match: HookKey | undefined;
  for (const key of keys) {
    if (digestsEqual(hash, key.hash) && match === undefined) match = key;
  }
  if (match === undefined) return refuse("key not recognised");
  if (match.expires_at !== null && Date.parse(match.expires_at) <= now.getTime()) {
    return refuse(`key rotated out at ${match.expires_at}; use the hook's current key`);
  }
  return { ok: true, method: "api_key" };
}
