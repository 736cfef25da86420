import { type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters, type LocalJWKSet, createLocalJWKSet, errors } from "jose";
import { z } from "zod";

/**
 * The public keys of JWT hooks that name a `jwks_url`, kept per isolate:
 * - a key set is used for `ttlMs` (10 minutes), then fetched again;
 * - a token whose `kid` is not in the set makes one refetch (the issuer has rotated its keys), but
 *   never within `cooldownMs` (30 s) of the previous fetch, so a stream of made-up `kid`s cannot turn
 *   every request into a fetch to the issuer;
 * - while one request fetches a set, others that need it wait for the result by polling the shared
 *   entry, not by awaiting the first request's promise: Workers cancel a continuation that awaits a
 *   promise of another request once that request ends;
 * - when a refetch fails, the set already held stays in use; with none, the hook is unavailable until
 *   the cooldown allows another try.
 * Time is passed in (`now`) so tests drive the TTL and the cooldown; the fetch function is injectable.
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface JwksCacheOptions {
  fetch?: FetchFunction;
  ttlMs?: number;
  cooldownMs?: number;
  timeoutMs?: number;
  /** The largest key set document accepted, in bytes. */
  maxBytes?: number;
}

export type KeyLookup = { ok: true; key: CryptoKey } | { ok: false; kind: "unauthorized" | "unavailable"; reason: string };

interface Entry {
  keys: LocalJWKSet | null;
  fetchedAt: number;
  /** When the last fetch started (or null): the cooldown counts from here, failures included. */
  attemptedAt: number | null;
  /** When the fetch under way started, or null when none is. */
  fetchingSince: number | null;
  lastError: string | null;
}

const JwksDocument = z.object({ keys: z.array(z.record(z.string(), z.unknown())).max(100) });
const POLL_MS = 10;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fetchFn: FetchFunction;
  readonly ttlMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;

  constructor(options: JwksCacheOptions = {}) {
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  /** The key the token's header asks for, from the set at `url`. */
  async keyFor(url: string, header: JWSHeaderParameters, now: number): Promise<KeyLookup> {
    const entry = this.entry(url);
    if (entry.keys === null || now - entry.fetchedAt >= this.ttlMs) await this.refresh(url, entry, now);
    if (entry.keys === null) {
      return { ok: false, kind: "unavailable", reason: `the key set at ${url} could not be fetched: ${entry.lastError ?? "no answer yet"}` };
    }
    let found = await select(entry.keys, header);
    if (found === "no-match" && (await this.refresh(url, entry, now))) found = await select(entry.keys, header);
    if (found === "no-match") {
      const kid = header.kid === undefined ? "the token names no kid" : `kid '${header.kid}'`;
      return { ok: false, kind: "unauthorized", reason: `no key in the key set at ${url} matches the token (${kid}, alg ${header.alg})` };
    }
    if (found === "ambiguous") {
      return { ok: false, kind: "unauthorized", reason: `several keys in the key set at ${url} match a token without a kid; the token must name its key` };
    }
    if (typeof found === "string") return { ok: false, kind: "unauthorized", reason: found };
    return { ok: true, key: found };
  }

  /** Drops every cached set (tests; a deployment never needs it). */
  clear(): void {
    this.entries.clear();
  }

  private entry(url: string): Entry {
    let entry = this.entries.get(url);
    if (!entry) {
      entry = { keys: null, fetchedAt: 0, attemptedAt: null, fetchingSince: null, lastError: null };
      this.entries.set(url, entry);
    }
    return entry;
  }

  /** Brings the entry up to date if allowed; true when a fetch happened (here or in another request). */
  private async refresh(url: string, entry: Entry, now: number): Promise<boolean> {
    // A fetch older than the timeout belongs to a request that was cancelled before it could finish.
    if (entry.fetchingSince !== null && now - entry.fetchingSince < this.timeoutMs) return this.waitForOtherFetch(entry);
    if (entry.attemptedAt !== null && now - entry.attemptedAt < this.cooldownMs) return false;
    entry.fetchingSince = now;
    entry.attemptedAt = now;
    try {
      entry.keys = createLocalJWKSet(await this.download(url));
      entry.fetchedAt = now;
      entry.lastError = null;
    } catch (error) {
      // Kept, not thrown: the set held so far (if any) stays in use, and the reason reaches the refusal.
      entry.lastError = describe(error);
    } finally {
      entry.fetchingSince = null;
    }
    return true;
  }

  private async waitForOtherFetch(entry: Entry): Promise<boolean> {
    const started = entry.fetchingSince;
    for (let waited = 0; waited < this.timeoutMs && entry.fetchingSince === started; waited += POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return entry.fetchingSince !== started;
  }

  private async download(url: string): Promise<JSONWebKeySet> {
    const response = await this.fetchFn(url, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > this.maxBytes) throw new Error(`the document is ${declared} bytes, more than ${this.maxBytes}`);
    const text = await response.text();
    if (text.length > this.maxBytes) throw new Error(`the document is more than ${this.maxBytes} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error("the document is not JSON");
    }
    const parsed = JwksDocument.safeParse(json);
    if (!parsed.success) throw new Error("the document is not a JSON Web Key Set ({keys: [...]}, at most 100 keys)");
    return parsed.data as JSONWebKeySet;
  }
}

/** The key for a header; "no-match", "ambiguous", or a reason when the matching key is unusable. */
async function select(keys: LocalJWKSet, header: JWSHeaderParameters): Promise<CryptoKey | "no-match" | "ambiguous" | string> {
  try {
    return await keys(header);
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return "no-match";
    if (error instanceof errors.JWKSMultipleMatchingKeys) return "ambiguous";
    return `the key matching the token cannot be used: ${describe(error)}`;
  }
}

/** The cache every hook in this isolate shares. */
export const sharedJwksCache = new JwksCache();
