import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { nonPublicReason } from "../../src/triggers/webhooks/ip-ranges";
import { webhookUrlRefusal } from "../../src/triggers/webhooks/url-guard";
import { api, expectError, invalidPaths, newAgent } from "../helpers";

// Issue 11, item 9.

describe("the WebSocket ways of passing a key", () => {
  it("authenticate an upgrade of /connect only", async () => {
    const agent = await newAgent();
    const upgrade = (path: string, extra: Record<string, string> = {}) =>
      SELF.fetch(`https://switchyard.test${path}`, { headers: { upgrade: "websocket", ...extra } });
    for (const path of ["/v1/whoami", `/v1/inbox/${agent.agentId}`, `/v1/state/${agent.agentId}`, "/v1/agents", `/v1/inbox/${agent.agentId}/connect/extra`]) {
      expect((await upgrade(`${path}?api_key=${agent.key}`)).status, path).toBe(401);
      expect((await upgrade(path, { "sec-websocket-protocol": `switchyard, switchyard.key.${agent.key}` })).status, path).toBe(401);
    }
    const connect = await upgrade(`/v1/inbox/${agent.agentId}/connect?api_key=${agent.key}`);
    expect(connect.status).toBe(101);
    connect.webSocket?.accept();
    connect.webSocket?.close(1000);
  });
});

describe("webhook URLs with an IPv4 address inside an IPv6 one", () => {
  const translated = [
    "::ffff:0:7f00:1", // IPv4-translated (SIIT), 127.0.0.1
    "0:0:0:0:ffff:0:a00:1", // the same prefix, 10.0.0.1
    "::ffff:127.0.0.1", // IPv4-mapped
    "::ffff:7f00:1",
    "::127.0.0.1", // IPv4-compatible
    "::a9fe:a9fe", // IPv4-compatible 169.254.169.254
    "64:ff9b::7f00:1", // NAT64
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1", // local-use NAT64
    "2002:7f00:1::1", // 6to4 of 127.0.0.1
    "2002:c0a8:101::1", // 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "::1:7f00:1", // the rest of ::/8
  ];
  it("are refused whatever the embedding", async () => {
    for (const ip of translated) {
      expect(nonPublicReason(ip), ip).toBeDefined();
      expect(await webhookUrlRefusal(`http://[${ip}]/hook`, { allowPrivate: false }), ip).toBeDefined();
    }
    expect(nonPublicReason("2606:4700:4700::1111")).toBeUndefined();
  });

  it("are refused by the API with 400 naming action.url", async () => {
    const agent = await newAgent();
    const res = await api("POST", "/v1/triggers", {
      key: agent.key,
      body: { name: "h", concept: "x", threshold: 0.5, action: { type: "webhook", url: "http://[::ffff:0:7f00:1]/", secret: "whsec_0123456789abcdef" } },
    });
    expect(invalidPaths(res)).toEqual(["action.url"]);
  });
});

describe("reserved agent ids", () => {
  it("are reserved in any case", async () => {
    for (const id of ["admin", "ADMIN", "Admin", "system", "SYSTEM", "system:triggers", "System:Cron"]) {
      const res = await api("POST", "/v1/agents", { body: { agent_id: id } });
      expectError(res, 409, "conflict");
      expect(res.body.error.details, id).toMatchObject({ reason: "reserved_agent_id" });
    }
    expect((await api("POST", "/v1/agents", { body: { agent_id: `administrator-${Date.now()}` } })).status).toBe(201);
  });
});

describe("integer query parameters", () => {
  it("accept plain decimal integers only, on every route", async () => {
    const agent = await newAgent();
    const cases: [string, string][] = [
      ["/v1/agents?limit=", "limit"],
      [`/v1/inbox/${agent.agentId}?wait_seconds=`, "wait_seconds"],
      [`/v1/inbox/${agent.agentId}?lease_seconds=`, "lease_seconds"],
      [`/v1/inbox/${agent.agentId}?limit=`, "limit"],
      [`/v1/inbox/${agent.agentId}/history?limit=`, "limit"],
      [`/v1/memory?agent_id=${agent.agentId}&limit=`, "limit"],
      ["/v1/cot?limit=", "limit"],
      ["/v1/triggers?limit=", "limit"],
      ["/v1/branches?limit=", "limit"],
      ["/v1/webhooks/deliveries?limit=", "limit"],
    ];
    for (const [path, name] of cases) {
      for (const bad of ["0x10", "+5", "%205", "5%20", "1e2", "", "5.0", "-1", "0b1", "Infinity", "1_0"]) {
        const res = await api("GET", `${path}${bad}`, { key: path.startsWith("/v1/agents") || path.startsWith("/v1/webhooks") ? undefined : agent.key });
        expect(res.status, `${path}${bad}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path), `${path}${bad}`).toContain(name);
      }
    }
    expect((await api("GET", "/v1/agents?limit=5")).status).toBe(200);
    expect((await api("GET", `/v1/inbox/${agent.agentId}?wait_seconds=0&limit=10&lease_seconds=30`, { key: agent.key })).status).toBe(200);
    const deleted = await api("DELETE", `/v1/state/${agent.agentId}/k?expected_version=1e0`, { key: agent.key });
    expect(invalidPaths(deleted)).toContain("expected_version");
  });
});
