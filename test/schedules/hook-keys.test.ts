import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { authenticateHook } from "../../src/schedules/hook-auth/authenticate-hook";
import {
  HOOK_KEY_PREFIX,
  MAX_HOOK_KEYS,
  RETIRED_KEY_MEMORY_MS,
  generateHookKey,
  issueHookKeys,
  rotateHookKeys,
  verifyHookKey,
} from "../../src/schedules/hook-auth/hook-keys";

const T0 = new Date("2026-06-01T12:00:00.000Z");
const after = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hook keys", () => {
  it("are syh_ and 32 random bytes in base64url, each different", () => {
    const keys = Array.from({ length: 50 }, generateHookKey);
    for (const key of keys) {
      expect(key).toMatch(/^syh_[A-Za-z0-9_-]{43}$/);
      expect(base64url.decode(key.slice(HOOK_KEY_PREFIX.length))).toHaveLength(32);
    }
    expect(new Set(keys).size).toBe(50);
  });

  it("are stored as their SHA-256 only: the set never holds the key itself", () => {
    const { secret, keys } = issueHookKeys();
    expect(keys).toEqual([{ hash: sha256Hex(secret), expires_at: null }]);
    expect(JSON.stringify(keys)).not.toContain(secret.slice(HOOK_KEY_PREFIX.length));
  });

  it("let the current key in, and say why anything else is refused", () => {
    const { secret, keys } = issueHookKeys();
    expect(verifyHookKey(secret, "X-API-Key", keys, T0)).toEqual({ ok: true, method: "api_key" });
    expect(verifyHookKey(` ${secret} `, "X-API-Key", keys, T0).ok).toBe(true);
    expect(verifyHookKey(null, "X-API-Key", keys, T0)).toEqual({ ok: false, kind: "unauthorized", reason: "missing header X-API-Key" });
    expect(verifyHookKey("", "X-API-Key", keys, T0)).toMatchObject({ ok: false, reason: "missing header X-API-Key" });
    expect(verifyHookKey(generateHookKey(), "X-API-Key", keys, T0)).toEqual({ ok: false, kind: "unauthorized", reason: "key not recognised" });
    expect(verifyHookKey(`${secret}x`, "X-API-Key", keys, T0)).toMatchObject({ ok: false, reason: "key not recognised" });
    expect(verifyHookKey(secret, "X-API-Key", [], T0)).toMatchObject({ ok: false, reason: "key not recognised" });
  });

  it("compare every stored hash in constant time, even after a match", () => {
    let { secret, keys } = issueHookKeys();
    for (let i = 0; i < 3; i++) ({ secret, keys } = rotateHookKeys(keys, after(i)));
    expect(keys).toHaveLength(4);
    const timingSafeEqual = vi.spyOn(crypto.subtle, "timingSafeEqual");
    // The current key is first in the set: a loop that stopped at the match would compare once.
    expect(verifyHookKey(secret, "X-API-Key", keys, after(5)).ok).toBe(true);
    expect(timingSafeEqual).toHaveBeenCalledTimes(4);
    timingSafeEqual.mockClear();
    expect(verifyHookKey(generateHookKey(), "X-API-Key", keys, after(5)).ok).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(4);
  });
});

describe("rotating hook keys", () => {
  it("keeps the old key valid for an hour: accepted at 59 minutes, refused at 61 with when it stopped", () => {
    const first = issueHookKeys();
    const rotated = rotateHookKeys(first.keys, T0);
    expect(rotated.secret).not.toBe(first.secret);
    expect(rotated.keys).toEqual([
      { hash: sha256Hex(rotated.secret), expires_at: null },
      { hash: sha256Hex(first.secret), expires_at: "2026-06-01T13:00:00.000Z" },
    ]);
    expect(verifyHookKey(first.secret, "X-API-Key", rotated.keys, after(59)).ok).toBe(true);
    expect(verifyHookKey(first.secret, "X-API-Key", rotated.keys, after(60))).toMatchObject({ ok: false, reason: expect.stringMatching(/^key rotated out at 2026-06-01T13:00:00.000Z/) });
    expect(verifyHookKey(first.secret, "X-API-Key", rotated.keys, after(61))).toEqual({
      ok: false,
      kind: "unauthorized",
      reason: "key rotated out at 2026-06-01T13:00:00.000Z; use the hook's current key",
    });
    expect(verifyHookKey(rotated.secret, "X-API-Key", rotated.keys, after(61)).ok).toBe(true);
  });

  it("does not extend a key already rotated out when rotating again within the hour", () => {
    const first = issueHookKeys();
    const second = rotateHookKeys(first.keys, T0);
    const third = rotateHookKeys(second.keys, after(30));
    expect(third.keys.map((k) => k.expires_at)).toEqual([null, "2026-06-01T13:30:00.000Z", "2026-06-01T13:00:00.000Z"]);
    expect(verifyHookKey(first.secret, "X-API-Key", third.keys, after(61)).ok).toBe(false);
    expect(verifyHookKey(second.secret, "X-API-Key", third.keys, after(61)).ok).toBe(true);
  });

  it("forgets keys retired a week ago, and never holds more than MAX_HOOK_KEYS", () => {
    const first = issueHookKeys();
    const second = rotateHookKeys(first.keys, T0);
    const later = rotateHookKeys(second.keys, new Date(T0.getTime() + 60 * 60_000 + RETIRED_KEY_MEMORY_MS + 1));
    expect(later.keys.map((k) => k.hash)).toEqual([sha256Hex(later.secret), sha256Hex(second.secret)]);

    let keys = first.keys;
    for (let i = 0; i < 25; i++) keys = rotateHookKeys(keys, after(i)).keys;
    expect(keys).toHaveLength(MAX_HOOK_KEYS);
    expect(keys.filter((k) => k.expires_at === null)).toHaveLength(1);
  });
});

describe("authenticateHook with an api_key hook", () => {
  it("reads the configured header, whatever its case in the request", async () => {
    const { secret, keys } = issueHookKeys();
    const auth = { type: "api_key" as const, header: "X-API-Key" };
    expect(await authenticateHook(new Headers({ "x-api-key": secret }), auth, { now: T0, keys })).toEqual({ ok: true, method: "api_key" });
    expect(await authenticateHook(new Headers({ authorization: `Bearer ${secret}` }), auth, { now: T0, keys })).toMatchObject({ reason: "missing header X-API-Key" });
  });
});
