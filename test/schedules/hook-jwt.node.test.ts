import { type CryptoKey, type JWK, SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticateHook } from "../../src/schedules/hook-auth/authenticate-hook";
import { CLOCK_TOLERANCE_SECONDS, type JwtHookAuth, verifyHookJwt } from "../../src/schedules/hook-auth/hook-jwt";
import { JwksCache } from "../../src/schedules/hook-auth/jwks-cache";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const NOW_S = NOW.getTime() / 1000;
const SECRET = "a-hook-secret-of-at-least-32-bytes!!";
const ENV = { REVENUE_HOOK_SECRET: SECRET, SHORT_SECRET: "too-short" };
const JWKS_URL = "https://issuer.example.com/.well-known/jwks.json";

const hmacHook: JwtHookAuth = { type: "jwt", secret_name: "REVENUE_HOOK_SECRET", issuer: "https://issuer.example.com", audience: "revenue-report" };
const jwksHook: JwtHookAuth = { type: "jwt", jwks_url: JWKS_URL, issuer: "https://issuer.example.com", audience: "revenue-report" };

const claims = (extra: Record<string, unknown> = {}) => ({ iss: "https://issuer.example.com", aud: "revenue-report", sub: "billing", iat: NOW_S - 10, exp: NOW_S + 300, ...extra });

const hs256 = (payload: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256", ...header }).sign(new TextEncoder().encode(secret));

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  publicKey: CryptoKey;
}

async function signingKey(alg: "RS256" | "ES256" | "ES384", kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

const signWith = (key: SigningKey, payload: Record<string, unknown>, kid: string | undefined = key.kid) =>
  new SignJWT(payload).setProtectedHeader(kid === undefined ? { alg: key.alg } : { alg: key.alg, kid }).sign(key.privateKey);

/** A key-set endpoint whose keys the test changes, counting fetches. */
function issuer(initial: JWK[]) {
  const state = { keys: initial, fetches: 0, status: 200, delayMs: 0 };
  const fetch = async (url: string) => {
    state.fetches++;
    expect(url).toBe(JWKS_URL);
    if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    return new Response(JSON.stringify({ keys: state.keys }), { status: state.status, headers: { "content-type": "application/json" } });
  };
  return { state, fetch };
}

const bearer = (token: string) => `Bearer ${token}`;
let rsa: SigningKey;
let ec: SigningKey;

beforeAll(async () => {
  rsa = await signingKey("RS256", "rsa-1");
  ec = await signingKey("ES256", "ec-1");
});

describe("a JWT hook with a Worker secret (HS256)", () => {
  const check = async (token: string, auth = hmacHook, env: Record<string, unknown> = ENV, now = NOW) =>
    verifyHookJwt(bearer(token), auth, { env, now, jwks: new JwksCache({ fetch: () => Promise.reject(new Error("no fetch expected")) }) });

  it("accepts a good token and hands back its claims", async () => {
    const result = await check(await hs256(claims()));
    expect(result).toEqual({ ok: true, method: "jwt", claims: claims(), key_id: null });
  });

  it("refuses a token signed with another secret", async () => {
    expect(await check(await hs256(claims(), "another-secret-that-is-long-enough!!"))).toEqual({ ok: false, kind: "unauthorized", reason: "the token's signature does not verify" });
  });

  it(`refuses an expired token, allowing ${CLOCK_TOLERANCE_SECONDS} s of clock skew`, async () => {
    expect(await check(await hs256(claims({ exp: NOW_S - 60 })))).toEqual({ ok: false, kind: "unauthorized", reason: "the token expired at 2026-06-01T11:59:00.000Z" });
    expect((await check(await hs256(claims({ exp: NOW_S - 20 })))).ok).toBe(true);
  });

  it("refuses a token that is not valid yet, with the same tolerance", async () => {
    expect(await check(await hs256(claims({ nbf: NOW_S + 120 })))).toMatchObject({ ok: false, reason: "the token is not valid before 2026-06-01T12:02:00.000Z" });
    expect((await check(await hs256(claims({ nbf: NOW_S + 20 })))).ok).toBe(true);
  });

  it("refuses a token without exp: a hook accepts only tokens that expire", async () => {
    const { exp: _exp, ...noExp } = claims();
    expect(await check(await hs256(noExp))).toMatchObject({ ok: false, reason: "the token has no exp claim; this hook accepts only tokens that expire" });
  });

  it("refuses the wrong audience and the wrong issuer, naming both sides", async () => {
    expect(await check(await hs256(claims({ aud: "payroll" })))).toMatchObject({
      reason: "the token's audience 'payroll' does not include this hook's audience 'revenue-report'",
    });
    expect(await check(await hs256(claims({ iss: "https://evil.example.com" })))).toMatchObject({
      reason: "the token's issuer 'https://evil.example.com' is not this hook's issuer 'https://issuer.example.com'",
    });
    const { iss: _iss, ...noIssuer } = claims();
    expect(await check(await hs256(noIssuer))).toMatchObject({ reason: "the token has no iss claim; this hook expects 'https://issuer.example.com'" });
    // A hook that names neither checks neither.
    expect((await check(await hs256(claims({ aud: "payroll", iss: "anyone" })), { type: "jwt", secret_name: "REVENUE_HOOK_SECRET" })).ok).toBe(true);
  });

  it("refuses alg none, however it is spelled", async () => {
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = `${base64url.encode(JSON.stringify({ alg, typ: "JWT" }))}.${base64url.encode(JSON.stringify(claims()))}.`;
      expect(await check(unsigned)).toEqual({ ok: false, kind: "unauthorized", reason: "algorithm none is refused: the token is not signed" });
    }
  });

  it("refuses an algorithm outside the hook's list", async () => {
    const hs512 = await new SignJWT(claims()).setProtectedHeader({ alg: "HS512" }).sign(new TextEncoder().encode(SECRET.repeat(2)));
    expect(await check(hs512)).toMatchObject({ reason: "algorithm HS512 is not allowed for this hook; allowed: HS256" });
  });

  it("answers a missing or short Worker secret as the hook's misconfiguration, not the caller's fault", async () => {
    const token = await hs256(claims());
    expect(await check(token, { type: "jwt", secret_name: "NOT_SET" })).toEqual({
      ok: false,
      kind: "misconfigured",
      reason: "the Worker secret 'NOT_SET' this hook checks tokens with is not set; set it with `wrangler secret put NOT_SET`",
    });
    expect(await check(token, { type: "jwt", secret_name: "SHORT_SECRET" })).toMatchObject({ kind: "misconfigured", reason: expect.stringContaining("is 9 bytes; HS256 needs at least 32") });
  });

  it("says what is wrong with the header itself", async () => {
    const jwks = new JwksCache();
    expect(await verifyHookJwt(null, hmacHook, { env: ENV, now: NOW, jwks })).toMatchObject({ reason: "missing header Authorization" });
    expect(await verifyHookJwt("Basic dXNlcjpwYXNz", hmacHook, { env: ENV, now: NOW, jwks })).toMatchObject({ reason: "the Authorization header must be 'Bearer <token>'" });
    expect(await verifyHookJwt("Bearer not.a-jwt", hmacHook, { env: ENV, now: NOW, jwks })).toMatchObject({ reason: expect.stringMatching(/^the token is not a signed JWT/) });
    expect(await verifyHookJwt(`Bearer ${"a".repeat(20_000)}`, hmacHook, { env: ENV, now: NOW, jwks })).toMatchObject({ reason: expect.stringMatching(/longer than/) });
  });
});

describe("a JWT hook with a key set (jwks_url)", () => {
  it("accepts RS256 and ES256 tokens signed by keys in the set, and fetches the set once", async () => {
    const { state, fetch } = issuer([rsa.jwk, ec.jwk]);
    const jwks = new JwksCache({ fetch });
    const context = { env: {}, now: NOW, jwks };
    expect(await verifyHookJwt(bearer(await signWith(rsa, claims())), jwksHook, context)).toMatchObject({ ok: true, key_id: "rsa-1" });
    expect(await verifyHookJwt(bearer(await signWith(ec, claims())), jwksHook, context)).toMatchObject({ ok: true, key_id: "ec-1" });
    expect(state.fetches).toBe(1);
  });

  it("refuses a token signed by another key under a kid of the set", async () => {
    const { fetch } = issuer([rsa.jwk]);
    const impostor = await signingKey("RS256", "rsa-1");
    const result = await verifyHookJwt(bearer(await signWith(impostor, claims())), jwksHook, { env: {}, now: NOW, jwks: new JwksCache({ fetch }) });
    expect(result).toMatchObject({ ok: false, reason: "the token's signature does not verify" });
  });

  it("refuses an HS256 token made with the public key as its secret (algorithm confusion), without fetching anything", async () => {
    const { state, fetch } = issuer([rsa.jwk]);
    const publicPem = await exportSPKI(rsa.publicKey);
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "rsa-1" }).sign(new TextEncoder().encode(publicPem));
    const result = await verifyHookJwt(bearer(forged), { ...jwksHook, algorithms: ["RS256"] }, { env: {}, now: NOW, jwks: new JwksCache({ fetch }) });
    expect(result).toEqual({
      ok: false,
      kind: "unauthorized",
      reason: "algorithm HS256 is not allowed for this hook (an HMAC token cannot be checked against a public key); allowed: RS256",
    });
    expect(state.fetches).toBe(0);
  });

  it("refetches once for an unknown kid (the issuer rotated), then not again within the cooldown", async () => {
    const { state, fetch } = issuer([rsa.jwk]);
    const jwks = new JwksCache({ fetch, cooldownMs: 30_000 });
    const at = (seconds: number) => ({ env: {}, now: new Date(NOW.getTime() + seconds * 1000), jwks });
    expect((await verifyHookJwt(bearer(await signWith(rsa, claims())), jwksHook, at(0))).ok).toBe(true);
    expect(state.fetches).toBe(1);

    const rotated = await signingKey("RS256", "rsa-2");
    state.keys = [rsa.jwk, rotated.jwk];
    expect(await verifyHookJwt(bearer(await signWith(rotated, claims())), jwksHook, at(40))).toMatchObject({ ok: true, key_id: "rsa-2" });
    expect(state.fetches).toBe(2);

    // A made-up kid right after: no fetch, a refusal that names it.
    const stranger = await signingKey("RS256", "made-up");
    expect(await verifyHookJwt(bearer(await signWith(stranger, claims())), jwksHook, at(45))).toEqual({
      ok: false,
      kind: "unauthorized",
      reason: `no key in the key set at ${JWKS_URL} matches the token (kid 'made-up', alg RS256)`,
    });
    for (let i = 0; i < 20; i++) await verifyHookJwt(bearer(await signWith(stranger, claims())), jwksHook, at(46 + i / 10));
    expect(state.fetches).toBe(2);
    // After the cooldown, an unknown kid may refetch once more.
    await verifyHookJwt(bearer(await signWith(stranger, claims())), jwksHook, at(71));
    expect(state.fetches).toBe(3);
  });

  it("fetches the set again after its TTL", async () => {
    const { state, fetch } = issuer([rsa.jwk]);
    const jwks = new JwksCache({ fetch, ttlMs: 600_000 });
    const token = bearer(await signWith(rsa, claims({ exp: NOW_S + 3600 })));
    await verifyHookJwt(token, jwksHook, { env: {}, now: NOW, jwks });
    await verifyHookJwt(token, jwksHook, { env: {}, now: new Date(NOW.getTime() + 599_000), jwks });
    expect(state.fetches).toBe(1);
    await verifyHookJwt(token, jwksHook, { env: {}, now: new Date(NOW.getTime() + 600_000), jwks });
    expect(state.fetches).toBe(2);
  });

  it("fetches a cold set once for 30 concurrent requests, and every one of them is checked", async () => {
    const { state, fetch } = issuer([rsa.jwk]);
    state.delayMs = 30;
    const jwks = new JwksCache({ fetch });
    const token = bearer(await signWith(rsa, claims()));
    const results = await Promise.all(Array.from({ length: 30 }, () => verifyHookJwt(token, jwksHook, { env: {}, now: NOW, jwks })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(state.fetches).toBe(1);
  });

  it("is unavailable while the set cannot be fetched, and keeps using a set it holds when a refetch fails", async () => {
    const { state, fetch } = issuer([rsa.jwk]);
    state.status = 503;
    const jwks = new JwksCache({ fetch, ttlMs: 60_000, cooldownMs: 30_000 });
    const token = bearer(await signWith(rsa, claims({ exp: NOW_S + 3600 })));
    expect(await verifyHookJwt(token, jwksHook, { env: {}, now: NOW, jwks })).toEqual({
      ok: false,
      kind: "unavailable",
      reason: `the key set at ${JWKS_URL} could not be fetched: HTTP 503`,
    });
    state.status = 200;
    expect((await verifyHookJwt(token, jwksHook, { env: {}, now: new Date(NOW.getTime() + 31_000), jwks })).ok).toBe(true);
    state.status = 500;
    expect((await verifyHookJwt(token, jwksHook, { env: {}, now: new Date(NOW.getTime() + 200_000), jwks })).ok).toBe(true);
    expect(state.fetches).toBe(3);
  });

  it("refuses a document that is not a key set", async () => {
    const jwks = new JwksCache({ fetch: async () => new Response("<html>login</html>", { status: 200 }) });
    expect(await verifyHookJwt(bearer(await signWith(rsa, claims())), jwksHook, { env: {}, now: NOW, jwks })).toMatchObject({
      kind: "unavailable",
      reason: `the key set at ${JWKS_URL} could not be fetched: the document is not JSON`,
    });
  });

  it("takes the default list RS256, ES256: an ES384 token is refused unless the hook lists it", async () => {
    const es384 = await signingKey("ES384", "ec-384");
    const { fetch } = issuer([es384.jwk]);
    const token = bearer(await signWith(es384, claims()));
    expect(await verifyHookJwt(token, jwksHook, { env: {}, now: NOW, jwks: new JwksCache({ fetch }) })).toMatchObject({
      reason: "algorithm ES384 is not allowed for this hook; allowed: RS256, ES256",
    });
    expect((await verifyHookJwt(token, { ...jwksHook, algorithms: ["ES384"] }, { env: {}, now: NOW, jwks: new JwksCache({ fetch }) })).ok).toBe(true);
  });

  it("is reached through authenticateHook with the Authorization header", async () => {
    const { fetch } = issuer([rsa.jwk]);
    const headers = new Headers({ authorization: bearer(await signWith(rsa, claims())) });
    expect(await authenticateHook(headers, jwksHook, { now: NOW, jwks: new JwksCache({ fetch }) })).toMatchObject({ ok: true, method: "jwt" });
  });
});
