import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { auditRowsFor, api, count, expectError, newAgent, newRequestId, uniqueId } from "../helpers";
import { putWorkflow } from "../workflows/workflow-helpers";
import { MINUTE, decisionsOf, putTriggered, runnableAgents, runsOf, useTestClock } from "./lifecycle-helpers";

const SECRET = "test-hook-secret-0123456789-abcdefghij"; // TEST_HOOK_SECRET in vitest.config.ts

const apiKeyHook = (path: string) => `  - type: webhook\n    path: ${path}\n    auth:\n      type: api_key\n      header: X-API-Key\n`;
const jwtHook = (path: string, extra = "") => `  - type: webhook\n    path: ${path}\n    auth:\n      type: jwt\n      secret_name: TEST_HOOK_SECRET\n      issuer: https://ci.example.com\n      audience: switchyard-hooks\n${extra}`;

interface HookResponse {
  status: number;
  body: { run_id?: string; error?: { code: string; message: string } };
  headers: Headers;
}

async function callHook(path: string, options: { headers?: Record<string, string>; body?: string; requestId?: string } = {}): Promise<HookResponse> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.requestId) headers["x-request-id"] = options.requestId;
  const res = await SELF.fetch(`https://switchyard.test${path}`, { method: "POST", headers, body: options.body ?? JSON.stringify({ quarter: "Q3" }) });
  return { status: res.status, body: (await res.json()) as HookResponse["body"], headers: res.headers };
}

const hookPath = (label: string) => `/hooks/${uniqueId(label)}`;

/** Calls that must be refused: each answers `status`, says why, is audited, and starts nothing. */
async function expectRefused(name: string, path: string, status: number, reason: RegExp, headers: Record<string, string>) {
  const requestId = newRequestId("hook-refused");
  const before = (await runsOf(name)).length;
  const res = await callHook(path, { headers, requestId });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error!.message).toMatch(reason);
  const audit = await auditRowsFor(requestId);
  expect(audit.map((r) => [r.action, r.status])).toEqual([["hook:call", "denied"]]);
  expect(JSON.parse(audit[0]!.details!).reason).toMatch(reason);
  expect((await runsOf(name)).length).toBe(before);
  return res;
}

describe("api_key webhook triggers", () => {
  it("shows the key once at PUT, stores only its hash, and starts a run with the JSON body on a call with it", async () => {
    const path = hookPath("revenue");
    const { name, res } = await putTriggered(apiKeyHook(path), { prefix: "hook" });
    expect(res.status).toBe(201);
    expect(res.body.hook_keys).toEqual([{ path, header: "X-API-Key", api_key: expect.stringMatching(/^syh_[A-Za-z0-9_-]{43}$/) }]);
    const key = res.body.hook_keys[0].api_key as string;
    // Not shown again, not stored in clear, not kept by any cache.
    expect((await api("GET", `/v1/workflows/${name}`)).body.hook_keys).toBeUndefined();
    expect(await count("SELECT COUNT(*) AS n FROM _hook_keys WHERE keys LIKE ?", `%${key}%`)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM _idempotency_keys WHERE response_body LIKE ?", `%${key}%`)).toBe(0);
    // A change that keeps the hook keeps its key: no new one is issued.
    const { coordination } = await runnableAgents("hook");
    const changed = await putWorkflow(undefined, name, `description: changed\n${coordination}triggers:\n${apiKeyHook(path)}`);
    expect(changed.status).toBe(200);
    expect(changed.body.hook_keys).toBeUndefined();

    const called = await callHook(path, { headers: { "x-api-key": key }, body: JSON.stringify({ quarter: "Q3", rows: [1, 2] }) });
    expect(called.status).toBe(202);
    expect(Object.keys(called.body)).toEqual(["run_id"]);
    const run = await api("GET", `/v1/runs/${called.body.run_id}`);
    expect(run.body).toMatchObject({ workflow: name, input: { quarter: "Q3", rows: [1, 2] }, trigger: { type: "webhook", path } });
    const [fired] = await decisionsOf(name);
    expect(fired).toMatchObject({ decision: "fired", run_id: called.body.run_id });
  });

  it("refuses a wrong, a missing and a rotated-out key with 401 and the reason, audited, starting nothing; the old key works for an hour after rotation", async () => {
    const clock = useTestClock("2026-06-01T12:00:00Z");
    const author = await newAgent();
    const other = await newAgent();
    const path = hookPath("rot");
    const { name, res } = await putTriggered(apiKeyHook(path), { key: author.key, prefix: "hook" });
    const oldKey = res.body.hook_keys[0].api_key as string;
    await expectRefused(name, path, 401, /^key not recognised$/, { "x-api-key": "syh_not-the-key" });
    await expectRefused(name, path, 401, /^missing header X-API-Key$/, {});
    // Only the author (or an admin) rotates.
    expectError(await api("POST", `/v1/workflows/${name}/hooks/rotate`, { key: other.key, body: { path } }), 403, "forbidden");
    const rotated = await api("POST", `/v1/workflows/${name}/hooks/rotate`, { key: author.key, body: { path: path.replace("/hooks/", "") } });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toEqual({ workflow: name, hook_keys: [{ path, header: "X-API-Key", api_key: expect.stringMatching(/^syh_/) }], previous_keys_expire_at: "2026-06-01T13:00:00.000Z" });
    const newKey = rotated.body.hook_keys[0].api_key as string;
    clock.advance(59 * MINUTE);
    expect((await callHook(path, { headers: { "x-api-key": oldKey } })).status).toBe(202);
    clock.advance(2 * MINUTE);
    await expectRefused(name, path, 401, /^key rotated out at 2026-06-01T13:00:00.000Z/, { "x-api-key": oldKey });
    expect((await callHook(path, { headers: { "x-api-key": newKey } })).status).toBe(202);
    expect((await runsOf(name)).length).toBe(2);
    const listed = await api("GET", `/v1/workflows/${name}/triggers`);
    expect(listed.body.items[0].state).toEqual({ path, active_keys: 1 });
    const failures = (await decisionsOf(name)).filter((d) => d.decision === "failed").map((d) => d.reason);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/refused \(unauthorized\): key rotated out/);
  });

  it("never keeps a hook key for replay: a rotation retried with its Idempotency-Key issues no second key and answers 409", async () => {
    useTestClock("2026-06-02T12:00:00Z");
    const path = hookPath("rot-idem");
    const { name } = await putTriggered(apiKeyHook(path), { prefix: "hook" });
    const headers = { "idempotency-key": `rotate-${name}` };
    const first = await api("POST", `/v1/workflows/${name}/hooks/rotate`, { headers, body: { path } });
    expect(first.status).toBe(201);
    const retried = await api("POST", `/v1/workflows/${name}/hooks/rotate`, { headers, body: { path } });
    expectError(retried, 409, "conflict");
    expect(retried.body.error.details).toEqual({ reason: "secret_not_replayed", first_response: { workflow: name, previous_keys_expire_at: "2026-06-02T13:00:00.000Z" } });
    // One rotation happened: the PUT's key (for an hour) and the first rotation's; the key is nowhere in the cache.
    expect((await api("GET", `/v1/workflows/${name}/triggers`)).body.items[0].state).toEqual({ path, active_keys: 2 });
    expect(await count("SELECT COUNT(*) AS n FROM _hook_keys WHERE workflow = ? AND json_array_length(keys) = 2", name)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM _idempotency_keys WHERE response_body LIKE '%syh_%'")).toBe(0);
    expect((await callHook(path, { headers: { "x-api-key": first.body.hook_keys[0].api_key as string } })).status).toBe(202);
  });

  it("answers an Idempotency-Key retry with the same run (even 20 at once), and a reuse with another body with 409", async () => {
    const path = hookPath("idem");
    const { name, res } = await putTriggered(apiKeyHook(path), { prefix: "hook" });
    const headers = { "x-api-key": res.body.hook_keys[0].api_key as string, "idempotency-key": `delivery-${name}` };
    const answers = await Promise.all(Array.from({ length: 20 }, () => callHook(path, { headers })));
    expect(answers.map((a) => a.status).sort()).toEqual(Array(20).fill(202).concat().sort());
    expect(new Set(answers.map((a) => a.body.run_id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    expect(await runsOf(name)).toHaveLength(1);
    expect((await decisionsOf(name)).filter((d) => d.decision === "deduplicated")).toHaveLength(19);
    const reused = await callHook(path, { headers, body: '{"other": true}' });
    expect([reused.status, reused.body.error?.code]).toEqual([409, "conflict"]);
    expect(await runsOf(name)).toHaveLength(1);
  });

  it("fails closed: an unknown path is 404, a body over the limit 413, a body that is not JSON 400; each audited, nothing started", async () => {
    const path = hookPath("closed");
    const { name, res } = await putTriggered(apiKeyHook(path), { prefix: "hook" });
    const key = res.body.hook_keys[0].api_key as string;
    const unknown = newRequestId("hook-404");
    const missing = await callHook(`${path}-nope`, { headers: { "x-api-key": key }, requestId: unknown });
    expect([missing.status, missing.body.error?.code]).toEqual([404, "not_found"]);
    expect((await auditRowsFor(unknown)).map((r) => [r.action, r.status, r.resource])).toEqual([["hook:call", "denied", `hook:${path}-nope`]]);
    const large = newRequestId("hook-413");
    const tooLarge = await callHook(path, { headers: { "x-api-key": key }, body: JSON.stringify({ blob: "x".repeat(300 * 1024) }), requestId: large });
    expect(tooLarge.status).toBe(413);
    expect((await auditRowsFor(large)).map((r) => [r.action, r.status])).toEqual([["hook:call", "denied"]]);
    const bad = newRequestId("hook-400");
    expect((await callHook(path, { headers: { "x-api-key": key }, body: "{not json", requestId: bad })).status).toBe(400);
    expect((await auditRowsFor(bad)).map((r) => r.status)).toEqual(["denied"]);
    expect((await callHook(path, { headers: { "x-api-key": key }, body: `${"[".repeat(500)}${"]".repeat(500)}` })).status).toBe(400);
    expect(await runsOf(name)).toHaveLength(0);
    // An empty body is a run with input null.
    const empty = await callHook(path, { headers: { "x-api-key": key }, body: "" });
    expect(empty.status).toBe(202);
    expect((await api("GET", `/v1/runs/${empty.body.run_id}`)).body.input).toBeNull();
  });

  it("keeps a path unique in the deployment: a second workflow claiming it is 409 and stores nothing", async () => {
    const path = hookPath("unique");
    expect((await putTriggered(apiKeyHook(path), { prefix: "hook" })).res.status).toBe(201);
    const name = uniqueId("hook-second");
    const { res } = await putTriggered(apiKeyHook(path.replace("/hooks/", "")), { name, prefix: "hook" });
    expectError(res, 409, "conflict");
    expect(res.body.error.message).toContain(path);
    expect(await count("SELECT COUNT(*) AS n FROM _workflows WHERE name = ?", name)).toBe(0);
    // Twenty workflows racing for one new path: exactly one gets it.
    const contested = hookPath("race");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => putTriggered(apiKeyHook(contested), { name: uniqueId(`race-${i}`), prefix: "hook" })));
    expect(results.filter((r) => r.res.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.res.status === 409)).toHaveLength(19);
    expect(await count("SELECT COUNT(*) AS n FROM _lifecycle_triggers WHERE path = ?", contested)).toBe(1);
  });
});

describe("jwt webhook triggers (HS256 with a Worker secret)", () => {
  const sign = (claims: Record<string, unknown>, options: { secret?: string; expiresIn?: string | number; audience?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://ci.example.com")
      .setAudience(options.audience ?? "switchyard-hooks")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m")
      .sign(new TextEncoder().encode(options.secret ?? SECRET));
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("accepts a good token and refuses a bad signature, an expired token, a wrong audience and alg none, each with its reason", async () => {
    const path = hookPath("jwt");
    const { name, res } = await putTriggered(jwtHook(path), { prefix: "hook" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.hook_keys).toBeUndefined();
    const good = await callHook(path, { headers: bearer(await sign({ sub: "ci-bot" })) });
    expect(good.status).toBe(202);
    await expectRefused(name, path, 401, /signature does not verify/, bearer(await sign({ sub: "x" }, { secret: "another-secret-that-is-long-enough-000" })));
    await expectRefused(name, path, 401, /expired/, bearer(await sign({ sub: "x" }, { expiresIn: Math.floor(Date.now() / 1000) - 120 })));
    await expectRefused(name, path, 401, /audience/, bearer(await sign({ sub: "x" }, { audience: "someone-else" })));
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url.encode(JSON.stringify({ iss: "https://ci.example.com", aud: "switchyard-hooks", exp: Math.floor(Date.now() / 1000) + 300 }))}.`;
    await expectRefused(name, path, 401, /algorithm none is refused/, bearer(none));
    await expectRefused(name, path, 401, /missing header Authorization/, {});
    expect(await runsOf(name)).toHaveLength(1);
  });

  it("warns at PUT about a secret_name that is not set, and answers its calls 503 (the hook cannot check anyone)", async () => {
    const path = hookPath("unset");
    const { name, res } = await putTriggered(jwtHook(path).replace("TEST_HOOK_SECRET", "NOT_SET_SECRET"), { prefix: "hook" });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toContainEqual(expect.objectContaining({ path: "triggers[0].auth.secret_name", message: expect.stringMatching(/NOT_SET_SECRET' is not set/) }));
    await expectRefused(name, path, 503, /NOT_SET_SECRET' this hook checks tokens with is not set/, bearer(await sign({})));
  });

  it("refuses at PUT a jwks_url the URL guard refuses (private, or plain http in a deployment)", async () => {
    for (const url of ["https://127.0.0.1/jwks", "http://issuer.example.com/jwks", "https://metadata/jwks"]) {
      const hook = `  - type: webhook\n    path: ${hookPath("jwks")}\n    auth:\n      type: jwt\n      jwks_url: ${url}\n`;
      const { res } = await putTriggered(hook, { prefix: "hook" });
      expectError(res, 400, "invalid_request");
      expect(res.body.error.details[0].path).toBe("triggers[0].auth.jwks_url");
    }
    expect(env.WEBHOOK_ALLOW_PRIVATE).not.toBe("true");
  });
});
