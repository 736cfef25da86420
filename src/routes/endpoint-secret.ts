import { createRoute, z } from "@hono/zod-openapi";
import { requireAgent } from "../agents/require-agent";
import { authorize } from "../authz/authorize";
import { AgentIdSchema, errorResponses, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { endpointSecret } from "../runs/endpoint-signing";

const EndpointSecretSchema = z
  .object({
    agent_id: z.string(),
    secret: z.string().openapi({ description: "The HMAC-SHA256 key of `X-Switchyard-Signature` on tasks POSTed to this agent's endpoints." }),
    algorithm: z.literal("HMAC-SHA256"),
    signed: z.string().openapi({ description: "What is signed: the `X-Switchyard-Timestamp` header, a dot, and the raw body." }),
  })
  .openapi("EndpointSecret");

export const endpointSecretRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/v1/agents/{agent_id}/endpoint-secret",
    tags: ["Agent versions"],
    summary: "The key that signs tasks POSTed to this agent's endpoints",
    description:
      "A version with an `endpoint` receives its tasks there as `{type: \"task.assigned\", task}`, signed like webhooks. The key is derived " +
      "from the deployment's ENDPOINT_SIGNING_SECRET and the agent id, so it is stored nowhere; only the agent itself or an admin reads it.",
    request: { params: z.object({ agent_id: AgentIdSchema }) },
    responses: { 200: jsonResponse(EndpointSecretSchema, "The agent's endpoint key."), ...errorResponses("not_found") },
  }),
  async (c) => {
    const { agent_id } = c.req.valid("param");
    await authorize(c, "catalog:publish", { type: "catalog", id: agent_id, owner: agent_id });
    await requireAgent(c, agent_id);
    c.header("Cache-Control", "no-store");
    return c.json({ agent_id, secret: await endpointSecret(c.env, agent_id), algorithm: "HMAC-SHA256" as const, signed: "timestamp + '.' + body" }, 200);
  },
);
