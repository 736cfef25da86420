import type { Context } from "hono";
import type { AppEnv } from "./context";

/** Who and which request an audit row names. */
export const auditContext = (c: Context<AppEnv>) => ({ agentId: c.get("principal").agentId, requestId: c.get("requestId") });
