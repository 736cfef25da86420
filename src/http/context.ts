import type { Principal } from "../authz/principal";

/** What middleware puts on the Hono context for the routes. */
export interface AppVariables {
  requestId: string;
  principal: Principal;
  /** The caller's authentication in flight; `principal` once it has settled (see http/auth.ts). */
  authentication: Promise<Principal>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
