import type { JwtHookAuth } from "./hook-jwt";

// A hook's `auth` as the workflow defines it, apart from the code that checks it, so that the definition's
// schema (and the clients that read its types) need nothing of the checking's runtime.

export interface ApiKeyHookAuth {
  type: "api_key";
  /** The request header that carries the key, such as the seed's `X-API-Key`. */
  header: string;
}

export type HookAuth = ApiKeyHookAuth | JwtHookAuth;
