import { type CryptoKey, type JWSHeaderParameters, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { type HookAuthResult, refuse } from "./hook-auth-result";
import type { JwksCache } from "./jwks-cache";

/**
 * `{type: jwt, secret_name | jwks_url, issuer?, audience?, algorithms?}` for a hook: the caller sends
 * `Authorization: Bearer <JWT>`. With `secret_name` the token is HMAC-signed with that Worker secret;
 * with `jwks_url` it is signed by one of the issuer's public keys. Checked: the algorithm (against an
 * allow-list, before any key is looked up), the signature, `exp` (required), `nbf`, and `iss` and `aud`
 * when the hook names them. Clocks may disagree by CLOCK_TOLERANCE_SECONDS either way.
 */
export const HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;
export const PUBLIC_KEY_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type PublicKeyAlgorithm = (typeof PUBLIC_KEY_ALGORITHMS)[number];

/** What a hook accepts when it does not say: HS256 with a secret, RS256 or ES256 from a key set. */
export const DEFAULT_HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ["HS256"];
export const DEFAULT_PUBLIC_KEY_ALGORITHMS: readonly PublicKeyAlgorithm[] = ["RS256", "ES256"];

/** Seconds of disagreement allowed between the caller's clock and ours on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash it is used with. */
const HMAC_MIN_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** A token this large is not a token; refusing it early keeps the work per request small. */
const MAX_TOKEN_LENGTH = 16 * 1024;

export interface JwtHookAuth {
  type: "jwt";
  secret_name?: string | undefined;
  jwks_url?: string | undefined;
  issuer?: string | undefined;
  audience?: string | string[] | undefined;
  algorithms?: string[] | undefined;
}

export interface JwtCheckContext {
  /** The Worker's environment, where `secret_name` is looked up. */
  env: Readonly<Record<string, unknown>>;
  now: Date;
  jwks: JwksCache;
}

const isHmac = (alg: string): alg is HmacAlgorithm => (HMAC_ALGORITHMS as readonly string[]).includes(alg);

export function allowedAlgorithms(auth: JwtHookAuth): readonly string[] {
  if (auth.algorithms && auth.algorithms.length > 0) return auth.algorithms;
  return auth.jwks_url !== undefined ? DEFAULT_PUBLIC_KEY_ALGORITHMS : DEFAULT_HMAC_ALGORITHMS;
}

/** Checks the `Authorization` header a caller sent to a JWT hook. */
export async function verifyHookJwt(authorization: string | null | undefined, auth: JwtHookAuth, context: JwtCheckContext): Promise<HookAuthResult> {
  if (authorization === null || authorization === undefined || authorization.trim() === "") return refuse("missing header Authorization");
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!bearer) return refuse("the Authorization header must be 'Bearer <token>'");
  const token = bearer[1]!;
  if (token.length > MAX_TOKEN_LENGTH) return refuse(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);

  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWSHeaderParameters;
  } catch (error) {
    return refuse(`the token is not a signed JWT: ${error instanceof Error ? error.message : String(error)}`);
  }
  const alg = typeof header.alg === "string" ? header.alg : "";
  const allowed = allowedAlgorithms(auth);
  if (alg.toLowerCase() === "none") return refuse("algorithm none is refused: the token is not signed");
  if (!allowed.includes(alg)) {
    // An HMAC token checked against a public key would let anyone who has the public key sign: the
    // algorithm-confusion attack. The allow-list of a key-set hook never contains HS*, so it ends here.
    const confusion = auth.jwks_url !== undefined && isHmac(alg) ? " (an HMAC token cannot be checked against a public key)" : "";
    return refuse(`algorithm ${alg || "(none given)"} is not allowed for this hook${confusion}; allowed: ${allowed.join(", ")}`);
  }

  const key = await keyFor(alg, header, auth, context);
  if ("ok" in key) return key;
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [...allowed],
      issuer: auth.issuer,
      audience: auth.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: context.now,
      requiredClaims: ["exp"],
    });
    return { ok: true, method: "jwt", claims: payload, key_id: typeof header.kid === "string" ? header.kid : null };
  } catch (error) {
    return refuse(reasonFor(error, auth));
  }
}

async function keyFor(alg: string, header: JWSHeaderParameters, auth: JwtHookAuth, context: JwtCheckContext) {
  if (auth.jwks_url !== undefined) {
    const found = await context.jwks.keyFor(auth.jwks_url, header, context.now.getTime());
    return found.ok ? found.key : refuse(found.reason, found.kind);
  }
  const name = auth.secret_name ?? "";
  const secret = context.env[name];
  if (typeof secret !== "string" || secret.length === 0) {
    return refuse(`the Worker secret '${name}' this hook checks tokens with is not set; set it with \`wrangler secret put ${name}\``, "misconfigured");
  }
  const bytes = new TextEncoder().encode(secret);
  const needed = isHmac(alg) ? HMAC_MIN_BYTES[alg] : 32;
  if (bytes.byteLength < needed) {
    return refuse(`the Worker secret '${name}' is ${bytes.byteLength} bytes; ${alg} needs at least ${needed} (RFC 7518 section 3.2)`, "misconfigured");
  }
  return bytes as Uint8Array | CryptoKey;
}

const isoSeconds = (seconds: unknown) => (typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : String(seconds));
const quoted = (value: unknown) => (Array.isArray(value) ? value.map((v) => `'${String(v)}'`).join(", ") : `'${String(value)}'`);

/** One sentence per failure, for the 401 and the audit row; never the token itself. */
function reasonFor(error: unknown, auth: JwtHookAuth): string {
  if (error instanceof errors.JWTExpired) return `the token expired at ${isoSeconds(error.payload.exp)}`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    if (reason === "missing") {
      if (claim === "exp") return "the token has no exp claim; this hook accepts only tokens that expire";
      return `the token has no ${claim} claim; this hook expects ${claim === "iss" ? quoted(auth.issuer) : claim === "aud" ? quoted(auth.audience) : "one"}`;
    }
    if (claim === "nbf") return `the token is not valid before ${isoSeconds(payload.nbf)}`;
    if (claim === "iss") return `the token's issuer ${quoted(payload.iss)} is not this hook's issuer ${quoted(auth.issuer)}`;
    if (claim === "aud") return `the token's audience ${quoted(payload.aud)} does not include this hook's audience ${quoted(auth.audience)}`;
    return `the token's ${claim} claim is invalid (${error.message})`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JOSEAlgNotAllowed) return `the token's algorithm is not allowed for this hook (${error.message})`;
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return `the token is malformed: ${error.message}`;
  if (error instanceof errors.JOSENotSupported) return `the token uses something this hook does not support: ${error.message}`;
  return `the token could not be checked: ${error instanceof Error ? error.message : String(error)}`;
}
