import type { Principal } from "../authz/principal";

/** What middleware puts on the Hono context for the routes. */
export interface AppVariables {
  requestId: string;
  principal: Principal;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
