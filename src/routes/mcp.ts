import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { authenticate } from "../http/auth";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { jsonRpcError, maxMcpBodyBytes, serveMcp } from "../mcp/http-endpoint";
import { type AppFetch, restClient } from "../mcp/rest-client";

/**
 * A browser may be made to POST here by any page it visits (DNS rebinding, cross-site requests): a request
 * that says where it comes from must come from the deployment itself or an origin it lists in
 * `MCP_ALLOWED_ORIGINS` (comma-separated). Requests without `Origin` (agents, SDK clients) are not browsers'.
 */
export const checkOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  if (origin !== undefined && !allowedOrigins(c.env, new URL(c.req.url).origin).has(normalOrigin(origin)))
    throw new ApiError("forbidden", `Requests from the origin '${origin}' are refused; a deployment allows other origins in MCP_ALLOWED_ORIGINS.`, {
      action: "mcp",
      resource: "origin",
      reason: "origin not allowed",
    });
  await next();
};

function normalOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin; // "null" and other opaque origins: compared as sent, so never allowed
  }
}

function allowedOrigins(env: Env, own: string): Set<string> {
  const listed = (env.MCP_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  return new Set([own, ...listed.map(normalOrigin)]);
}

/** `/mcp` on the app: the origin check, the project's authentication, then the MCP endpoint. */
export function mountMcp(app: OpenAPIHono<AppEnv>, maxRestBodyBytes: number) {
  const fetch: AppFetch = (request, env, ctx) => app.fetch(request, env, ctx);
  const maxBody = maxMcpBodyBytes(maxRestBodyBytes);
  app.use("/mcp", checkOrigin);
  // Stateless: there is no stream to open (GET) and no session to end (DELETE).
  app.on(["GET", "DELETE", "PUT", "PATCH"], "/mcp", () =>
    jsonRpcError(405, -32000, "Method not allowed: this endpoint is stateless, POST each JSON-RPC message.", { Allow: "POST" }),
  );
  app.post("/mcp", authenticate, async (c) => {
    const principal = c.get("principal");
    const rest = restClient({ principal, requestId: c.get("requestId"), origin: new URL(c.req.url).origin, env: c.env, ctx: c.executionCtx, fetch });
    return serveMcp(c.req.raw, { rest, caller: principal }, maxBody);
  });
}
