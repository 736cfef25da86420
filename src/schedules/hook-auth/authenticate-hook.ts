import type { HookAuthResult } from "./hook-auth-result";
import { type HookKey, verifyHookKey } from "./hook-keys";
import type { HookAuth } from "./hook-auth-config";
import { verifyHookJwt } from "./hook-jwt";
import { type JwksCache, sharedJwksCache } from "./jwks-cache";

export type { ApiKeyHookAuth, HookAuth } from "./hook-auth-config";

export interface HookAuthContext {
  now: Date;
  /** The hook's stored keys (api_key hooks). */
  keys?: readonly HookKey[];
  /** The Worker's environment, for a JWT hook's `secret_name`. */
  env?: Readonly<Record<string, unknown>>;
  /** The key-set cache for `jwks_url` hooks; the isolate's shared one by default. */
  jwks?: JwksCache;
}

/** Whether a POST to a hook may start a run, and if not, why (for the 401 and the audit row). */
export function authenticateHook(headers: Headers, auth: HookAuth, context: HookAuthContext): Promise<HookAuthResult> {
  if (auth.type === "api_key") return Promise.resolve(verifyHookKey(headers.get(auth.header), auth.header, context.keys ?? [], context.now));
  return verifyHookJwt(headers.get("authorization"), auth, { env: context.env ?? {}, now: context.now, jwks: context.jwks ?? sharedJwksCache });
}
