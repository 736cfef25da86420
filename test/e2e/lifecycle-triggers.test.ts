// Lifecycle triggers against the real local server (`npm run dev`): webhook triggers called over HTTP as an
// outside system would (an api_key hook, an HS256 hook with a Worker secret, an RS256 hook whose keys a
// local JWKS server on 127.0.0.1 serves), and a schedule fired by a real Durable Object alarm. Private
// addresses (the JWKS server) are allowed only because this server runs with WEBHOOK_ALLOW_PRIVATE=true.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type JWK, SignJWT, base64url, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Switchyard } from "../../clients/typescript/index.ts";
import { localServer } from "./server.ts";

const HS_SECRET = "e2e-hook-secret-0123456789-abcdefghijkl";
const ISSUER = "https://issuer.e2e.example";
const AUDIENCE = "switchyard-e2e";

describe("lifecycle triggers end to end", () => {
  const local = localServer({ vars: { WEBHOOK_ALLOW_PRIVATE: "true", E2E_HOOK_SECRET: HS_SECRET } });
  let admin: Switchyard;
  let jwksServer: Server;
  let jwksUrl: string;
  let jwksFetches = 0;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;

  beforeAll(async () => {
    admin = local.admin();
    const pair = await generateKeyPair("RS256", { extractable: true });
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair("RS256")).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "e2e-1", alg: "RS256", use: "sig" };
    jwksServer = createServer((req, res) => {
      jwksFetches++;
      res.writeHead(req.url === "/jwks" ? 200 : 404, { "content-type": "application/json" });
      res.end(req.url === "/jwks" ? JSON.stringify({ keys: [jwk] }) : "{}");
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    for (const agent of ["revenue-analyst", "report-writer"]) {
      await admin.agents.create({ agent_id: agent });
      await admin.versions.publish(agent, { version: "1.0.0" });
    }
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => jwksServer?.close(() => resolve()));
  });

  const coordination = `agents:
  - {name: revenue-analyst, version: "1.0.0"}
  - {name: report-writer, version: "1.0.0"}
coordination:
  pattern: message-passing
  flow:
    - {from: revenue-analyst, to: report-writer}
`;

  const hook = async (path: string, headers: Record<string, string>, body: unknown = { quarter: "Q3" }) => {
    const res = await fetch(`${local.server.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { run_id?: string; error?: { message: string } } };
  };

  const rs256 = (claims: Record<string, unknown> = {}, options: { key?: CryptoKey; audience?: string; exp?: number } = {}) =>
    new SignJWT({ sub: "ci", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "e2e-1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300)
      .sign(options.key ?? signingKey);

  it("starts runs from an api_key hook, an HS256 hook and an RS256 hook (keys from a JWKS server); refuses every bad caller with 401, audited, starting nothing", async () => {
    const put = await admin.workflows.put(
      "revenue-hooks",
      `${coordination}triggers:
  - type: webhook
    path: /hooks/revenue-report
    auth: {type: api_key, header: X-API-Key}
  - type: webhook
    path: revenue/hs256
    auth: {type: jwt, secret_name: E2E_HOOK_SECRET, audience: ${AUDIENCE}}
  - type: webhook
    path: revenue/rs256
    auth: {type: jwt, jwks_url: "${jwksUrl}", issuer: "${ISSUER}", audience: ${AUDIENCE}}
`,
    );
    expect(put.hook_keys).toEqual([{ path: "/hooks/revenue-report", header: "X-API-Key", api_key: expect.stringMatching(/^syh_/) }]);
    const key = put.hook_keys![0]!.api_key;

    const byKey = await hook("/hooks/revenue-report", { "x-api-key": key }, { quarter: "Q3", source: "erp" });
    expect(byKey.status).toBe(202);
    const run = await admin.runs.get(byKey.body.run_id!);
    expect(run).toMatchObject({ workflow: "revenue-hooks", input: { quarter: "Q3", source: "erp" }, trigger: { type: "webhook", path: "/hooks/revenue-report" } });

    const hs = await new SignJWT({ sub: "cron-job" }).setProtectedHeader({ alg: "HS256" }).setAudience(AUDIENCE).setExpirationTime("5m").sign(new TextEncoder().encode(HS_SECRET));
    expect((await hook("/hooks/revenue/hs256", { authorization: `Bearer ${hs}` })).status).toBe(202);
    expect((await hook("/hooks/revenue/rs256", { authorization: `Bearer ${await rs256()}` })).status).toBe(202);
    expect(jwksFetches).toBe(1);

    const none = `${base64url.encode(JSON.stringify({ alg: "none", kid: "e2e-1" }))}.${base64url.encode(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }))}.`;
    const refusals: [string, Record<string, string>, RegExp][] = [
      ["/hooks/revenue-report", { "x-api-key": "syh_wrong" }, /key not recognised/],
      ["/hooks/revenue-report", {}, /missing header X-API-Key/],
      ["/hooks/revenue/hs256", { authorization: `Bearer ${hs.slice(0, -4)}AAAA` }, /signature/],
      ["/hooks/revenue/rs256", { authorization: `Bearer ${await rs256({}, { key: strangerKey })}` }, /signature does not verify/],
      ["/hooks/revenue/rs256", { authorization: `Bearer ${await rs256({}, { exp: Math.floor(Date.now() / 1000) - 120 })}` }, /expired/],
      ["/hooks/revenue/rs256", { authorization: `Bearer ${await rs256({}, { audience: "elsewhere" })}` }, /audience/],
      ["/hooks/revenue/rs256", { authorization: `Bearer ${none}` }, /algorithm none is refused/],
    ];
    for (const [path, headers, reason] of refusals) {
      const res = await hook(path, headers);
      expect(res.status, `${path} ${reason}`).toBe(401);
      expect(res.body.error!.message).toMatch(reason);
    }
    expect((await hook("/hooks/nobody-here", {})).status).toBe(404);

    const runs = await admin.runs.list({ workflow: "revenue-hooks" });
    expect(runs.items).toHaveLength(3);
    const audit = await admin.query("SELECT status, COUNT(*) AS n FROM _audit_log WHERE action = 'hook:call' GROUP BY status ORDER BY status");
    expect(audit.rows).toEqual([{ status: "denied", n: refusals.length + 1 }, { status: "success", n: 3 }]);

    const listing = await admin.workflows.triggers("revenue-hooks");
    const rs = listing.items.find((t) => t.index === 2)!;
    expect(rs.decisions.map((d) => d.decision)).toEqual(["failed", "failed", "failed", "failed", "fired"]);
    expect(rs.decisions[0]!.reason).toMatch(/algorithm none/);
  });

  it("fires an every-minute schedule from a real alarm, once per instant, and previews it through the client", async () => {
    await admin.workflows.put("minutely", `${coordination}triggers:\n  - {type: schedule, cron: "* * * * *", timezone: Europe/Berlin}\n`);
    const preview = await admin.workflows.schedule("minutely", { count: 3 });
    expect(preview.schedules[0]!.instants).toHaveLength(3);
    expect(preview.schedules[0]!.instants[0]!.local).toMatch(/\+0[12]:00$/);
    const deadline = Date.now() + 100_000;
    let fired: { trigger: Record<string, unknown> }[] = [];
    while (Date.now() < deadline && fired.length < 1) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      fired = (await admin.runs.list({ workflow: "minutely" })).items as { trigger: Record<string, unknown> }[];
    }
    expect(fired.length).toBeGreaterThanOrEqual(1);
    const instants = fired.map((r) => String(r.trigger.scheduled_for));
    expect(new Set(instants).size).toBe(instants.length);
    expect(instants[0]).toMatch(/T\d\d:\d\d:00\.000Z$/);
    const listing = await admin.workflows.triggers("minutely");
    expect(listing.items[0]!.last_decision).toMatchObject({ decision: "fired" });
    await admin.workflows.delete("minutely", { force: true });
  }, 130_000);
});
