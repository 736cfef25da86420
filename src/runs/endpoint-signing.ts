import { ApiError } from "../http/errors";
import { isProduction } from "../config";

// Tasks POSTed to a version's `endpoint` are signed like webhooks (X-Switchyard-Signature over timestamp +
// body). The key is each agent's own, derived from the deployment's ENDPOINT_SIGNING_SECRET and the agent
// id, so it is stored nowhere: the agent (or an admin) reads it from GET /v1/agents/{agent_id}/endpoint-secret
// and configures its receiver with it. A leaked agent key never lets anyone sign for another agent.

/** The secret local development falls back to when ENDPOINT_SIGNING_SECRET is unset (never in production). */
const DEV_ENDPOINT_SIGNING_SECRET = "sy_endpoint_signing_dev_only";

const encoder = new TextEncoder();
const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

function deploymentSecret(env: Env): string {
  const configured = (env as { ENDPOINT_SIGNING_SECRET?: string }).ENDPOINT_SIGNING_SECRET;
  if (configured) return configured;
  if (!isProduction(env)) return DEV_ENDPOINT_SIGNING_SECRET;
  throw new ApiError(
    "unavailable",
    "This deployment has no ENDPOINT_SIGNING_SECRET, so tasks cannot be signed for agents' endpoints. Set one with `wrangler secret put ENDPOINT_SIGNING_SECRET`.",
  );
}

/** The key that signs tasks sent to `agentId`'s endpoints: `whsec_` + hex HMAC-SHA256(deployment secret, agent id). */
export async function endpointSecret(env: Env, agentId: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(deploymentSecret(env)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `whsec_${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`switchyard-endpoint:${agentId}`)))}`;
}
