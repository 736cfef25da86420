import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { inProcessRequest } from "../../src/http/in-process";
import { newAgent } from "../helpers";

async function fetchApp(request: Request, bindings: Env = env) {
  const ctx = createExecutionContext();
  const res = await app.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("in-process requests", () => {
  it("run as the caller they carry, with no key", async () => {
    const agent = await newAgent();
    const principal = { agentId: agent.agentId, role: "agent" as const, attributes: {} };
    const res = await fetchApp(inProcessRequest(principal, "https://switchyard.test/v1/whoami", { method: "GET" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agent_id: agent.agentId, role: "agent" });
  });

  it("carry their caller only on the very object: a copy of one, like anything from the network, needs a key", async () => {
    const principal = { agentId: "admin", role: "admin" as const, attributes: {} };
    const carried = inProcessRequest(principal, "https://switchyard.test/v1/agents", { method: "GET" });
    expect((await fetchApp(new Request(carried))).status).toBe(401);
    expect((await fetchApp(new Request("https://switchyard.test/v1/agents"))).status).toBe(401);
  });
});

describe("the MCP origin check", () => {
  it("allows the origins a deployment lists in MCP_ALLOWED_ORIGINS, and no others", async () => {
    const agent = await newAgent();
    const bindings = { ...env, MCP_ALLOWED_ORIGINS: "https://app.example.com, https://console.example.org:8443" };
    const call = (origin: string) =>
      fetchApp(
        new Request("https://switchyard.test/mcp", {
          method: "POST",
          headers: { origin, authorization: `ApiKey ${agent.key}`, "content-type": "application/json" },
          body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        }),
        bindings,
      );
    expect((await call("https://app.example.com")).status).toBe(200);
    expect((await call("https://console.example.org:8443")).status).toBe(200);
    expect((await call("https://console.example.org")).status).toBe(403);
    expect((await call("https://app.example.com.evil.example")).status).toBe(403);
  });
});
