import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { useResolverForTests } from "../../src/triggers/webhooks/resolver";
import { ISO_MILLIS, api, expectError, invalidPaths, newAgent } from "../helpers";
import { CONCEPT, MATCHING, UNRELATED, cast, createTrigger, tableCounts } from "./trigger-helpers";

const notify = (target: string) => ({ type: "agent_notify", target_agent_id: target });
const SECRET = "whsec_0123456789abcdef";
/** Webhook triggers here are never to fire: this machine must send nothing to outside addresses. */
const DORMANT = { enabled: false, namespaces: ["never-stored-here"] };

describe("triggers: create, read, change, delete", () => {
  it("registers a trigger and shows it as the contract says", async () => {
    const { coordinator, target, ns } = await cast();
    const res = await api("POST", "/v1/triggers", {
      key: coordinator.key,
      body: { name: "segment insights", concept: CONCEPT, threshold: 0.4, action: notify(target.agentId), cooldown_seconds: 60, namespaces: [ns] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "segment insights",
      concept: CONCEPT,
      threshold: 0.4,
      action: notify(target.agentId),
      cooldown_seconds: 60,
      namespaces: [ns],
      enabled: true,
      description: null,
      created_by: coordinator.agentId,
      last_fired_at: null,
    });
    expect(res.body.trigger_id).toMatch(/^trg_[0-9a-z]{26}$/);
    expect(res.body.created_at).toMatch(ISO_MILLIS);
    const row = await env.DB.prepare("SELECT * FROM _triggers WHERE trigger_id = ?").bind(res.body.trigger_id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ name: "segment insights", threshold: 0.4, cooldown_seconds: 60, enabled: 1, namespaces: JSON.stringify([ns]) });
    const vector = await env.DB.prepare("SELECT length(vector) AS bytes FROM _trigger_vectors WHERE trigger_id = ?").bind(res.body.trigger_id).first<{ bytes: number }>();
    expect(vector?.bytes).toBe(384 * 4);

    const got = await api("GET", `/v1/triggers/${res.body.trigger_id}`, { key: coordinator.key });
    expect(got.body).toEqual(res.body);
  });

  it("never shows a webhook's secret, in the API or in SQL", async () => {
    const { coordinator } = await cast();
    const created = await createTrigger(coordinator.key, { name: "hook", concept: CONCEPT, threshold: 0.5, action: { type: "webhook", url: "https://93.184.216.34/hook", secret: SECRET }, ...DORMANT });
    const got = await api("GET", `/v1/triggers/${created.trigger_id}`, { key: coordinator.key });
    expect(got.body.action).toEqual({ type: "webhook", url: "https://93.184.216.34/hook", secret_set: true });
    expect(JSON.stringify(got.body)).not.toContain(SECRET);
    const row = await env.DB.prepare("SELECT * FROM _triggers WHERE trigger_id = ?").bind(created.trigger_id).first();
    expect(JSON.stringify(row)).not.toContain(SECRET);
  });

  it("lists triggers in pages", async () => {
    const { coordinator, target } = await cast();
    for (let i = 0; i < 3; i++) await createTrigger(coordinator.key, { name: `t${i}`, concept: CONCEPT, threshold: 0.5, action: notify(target.agentId) });
    const first = await api("GET", "/v1/triggers?limit=2", { key: coordinator.key });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api("GET", `/v1/triggers?limit=2&cursor=${first.body.next_cursor}`, { key: coordinator.key });
    expect(second.body.items[0].trigger_id > first.body.items[1].trigger_id).toBe(true);
  });

  it("changes a trigger, embedding a new concept again, and records it in the audit log", async () => {
    const { coordinator, target } = await cast();
    const created = await createTrigger(coordinator.key, { name: "t", concept: CONCEPT, threshold: 0.5, action: notify(target.agentId) });
    const before = await api("POST", `/v1/triggers/${created.trigger_id}/test`, { key: coordinator.key, body: { content: UNRELATED } });
    const res = await api("PATCH", `/v1/triggers/${created.trigger_id}`, {
      key: coordinator.key,
      body: { concept: "office coffee machine repairs", threshold: 0.2, enabled: false, action: { type: "write_event" } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ concept: "office coffee machine repairs", threshold: 0.2, enabled: false, action: { type: "write_event" } });
    const after = await api("POST", `/v1/triggers/${created.trigger_id}/test`, { key: coordinator.key, body: { content: UNRELATED } });
    expect(after.body.score).toBeGreaterThan(before.body.score);
    const audit = await env.DB.prepare("SELECT action FROM _audit_log WHERE resource = ? ORDER BY at").bind(`trigger:${created.trigger_id}`).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["trigger:create", "trigger:update"]);
  });

  it("deletes a trigger with its vector and secret", async () => {
    const { coordinator } = await cast();
    const created = await createTrigger(coordinator.key, { name: "hook", concept: CONCEPT, threshold: 0.5, action: { type: "webhook", url: "https://93.184.216.34/h", secret: SECRET }, ...DORMANT });
    const res = await api("DELETE", `/v1/triggers/${created.trigger_id}`, { key: coordinator.key });
    expect(res.body).toEqual({ trigger_id: created.trigger_id, deleted: true });
    for (const table of ["_triggers", "_trigger_vectors", "_trigger_secrets"])
      expect(await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE trigger_id = ?`).bind(created.trigger_id).first("n")).toBe(0);
    expectError(await api("GET", `/v1/triggers/${created.trigger_id}`, { key: coordinator.key }), 404, "not_found");
    expectError(await api("DELETE", `/v1/triggers/${created.trigger_id}`, { key: coordinator.key }), 404, "not_found");
  });

  it("tests content against the concept without storing anything", async () => {
    const { coordinator, target } = await cast();
    const created = await createTrigger(coordinator.key, { name: "segments", concept: CONCEPT, threshold: 0.3, action: notify(target.agentId) });
    const memories = await env.DB.prepare("SELECT COUNT(*) AS n FROM _memory").first("n");
    const hit = await api("POST", `/v1/triggers/${created.trigger_id}/test`, { key: coordinator.key, body: { content: MATCHING } });
    const miss = await api("POST", `/v1/triggers/${created.trigger_id}/test`, { key: coordinator.key, body: { content: UNRELATED } });
    expect(hit.status).toBe(200);
    expect(hit.body).toMatchObject({ matched: true, threshold: 0.3, trigger_name: "segments" });
    expect(miss.body).toMatchObject({ matched: false, threshold: 0.3, trigger_name: "segments" });
    expect(hit.body.score).toBeGreaterThan(miss.body.score);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM _memory").first("n")).toBe(memories);
  });

  it("lets only the creator (or an admin) change or delete a trigger, and keeps readers out", async () => {
    const { coordinator, target } = await cast();
    const other = await newAgent();
    const reader = await newAgent("reader");
    const created = await createTrigger(coordinator.key, { name: "mine", concept: CONCEPT, threshold: 0.5, action: notify(target.agentId) });
    expectError(await api("PATCH", `/v1/triggers/${created.trigger_id}`, { key: other.key, body: { threshold: 0.1 } }), 403, "forbidden");
    expectError(await api("DELETE", `/v1/triggers/${created.trigger_id}`, { key: other.key }), 403, "forbidden");
    expectError(await api("GET", "/v1/triggers", { key: reader.key }), 403, "forbidden");
    expectError(await api("POST", "/v1/triggers", { key: reader.key, body: { name: "r", concept: CONCEPT, threshold: 0.5, action: { type: "write_event" } } }), 403, "forbidden");
    expect((await api("GET", `/v1/triggers/${created.trigger_id}`, { key: other.key })).status).toBe(200);
    expect((await api("PATCH", `/v1/triggers/${created.trigger_id}`, { body: { threshold: 0.6 } })).status).toBe(200);
  });

  it("returns the first response for a retried create with the same Idempotency-Key", async () => {
    const { coordinator } = await cast();
    const body = { name: "once", concept: CONCEPT, threshold: 0.5, action: { type: "write_event" } };
    const headers = { "idempotency-key": `trg-${Date.now()}` };
    const first = await api("POST", "/v1/triggers", { key: coordinator.key, body, headers });
    const again = await api("POST", "/v1/triggers", { key: coordinator.key, body, headers });
    expect(again.body.trigger_id).toBe(first.body.trigger_id);
  });
});

describe("triggers: bad input is a 400 that stores nothing", () => {
  afterEach(() => useResolverForTests(undefined));

  const refusedBodies = (target: string): Array<[string, Record<string, unknown>, string]> => [
    ["a threshold above 1", { name: "t", concept: CONCEPT, threshold: 1.01, action: notify(target) }, "threshold"],
    ["a negative threshold", { name: "t", concept: CONCEPT, threshold: -0.1, action: notify(target) }, "threshold"],
    ["an unknown action type", { name: "t", concept: CONCEPT, threshold: 0.5, action: { type: "email", to: "x@example.com" } }, "action.type"],
    ["a missing target agent", { name: "t", concept: CONCEPT, threshold: 0.5, action: notify("no-such-agent-anywhere") }, "action.target_agent_id"],
    ["a negative cooldown", { name: "t", concept: CONCEPT, threshold: 0.5, cooldown_seconds: -1, action: notify(target) }, "cooldown_seconds"],
    ["an empty concept", { name: "t", concept: "  ", threshold: 0.5, action: notify(target) }, "concept"],
    ["no action", { name: "t", concept: CONCEPT, threshold: 0.5 }, "action"],
    ["an unknown field", { name: "t", concept: CONCEPT, threshold: 0.5, action: notify(target), colour: "red" }, "colour"],
    ["a webhook without a secret", { name: "t", concept: CONCEPT, threshold: 0.5, action: { type: "webhook", url: "https://93.184.216.34/" } }, "action.secret"],
  ];

  it("refuses thresholds outside 0..1, unknown action types, a missing target agent and other mistakes", async () => {
    const { coordinator, target } = await cast();
    const before = await tableCounts();
    for (const [what, body, path] of refusedBodies(target.agentId)) {
      const res = await api("POST", "/v1/triggers", { key: coordinator.key, body });
      expect(invalidPaths(res), what).toContain(path);
    }
    expect(await tableCounts()).toEqual(before);
  });

  const ssrfUrls: Array<[string, string]> = [
    ["loopback", "http://127.0.0.1:8080/hook"],
    ["loopback by name", "http://localhost/hook"],
    ["a .localhost name", "http://api.localhost/hook"],
    ["loopback in decimal", "http://2130706433/hook"],
    ["loopback in hex", "http://0x7f.0.0.1/hook"],
    ["loopback in octal", "http://0177.0.0.1/hook"],
    ["IPv6 loopback", "http://[::1]/hook"],
    ["IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/hook"],
    ["private 10/8", "https://10.1.2.3/hook"],
    ["private 172.16/12", "https://172.20.0.5/hook"],
    ["private 192.168/16", "https://192.168.1.10/hook"],
    ["carrier-grade NAT", "https://100.64.0.1/hook"],
    ["IPv6 unique local", "https://[fd00::1]/hook"],
    ["link-local", "http://169.254.10.10/hook"],
    ["IPv6 link-local", "http://[fe80::1]/hook"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["a metadata name", "http://metadata.google.internal/computeMetadata/v1/"],
    ["a .internal name", "https://billing.internal/hook"],
    ["a .local name", "https://printer.local/hook"],
    ["a single-label name", "https://intranet/hook"],
    ["the unspecified address", "http://0.0.0.0/hook"],
    ["a non-http scheme", "ftp://93.184.216.34/hook"],
    ["a file URL", "file:///etc/passwd"],
    ["a javascript URL", "javascript:alert(1)"],
    ["a name resolving to a private address", "https://hooks.example.com/hook"],
    ["a name resolving to public and loopback addresses", "https://mixed.example.com/hook"],
    ["credentials in the URL", "https://user:pass@93.184.216.34/hook"],
  ];

  it("refuses webhook URLs to loopback, private, link-local, metadata and non-http addresses", async () => {
    useResolverForTests({
      resolve: async (name) => ({ "hooks.example.com": ["10.0.0.7"], "mixed.example.com": ["93.184.216.34", "127.0.0.1"] })[name] ?? [],
    });
    const { coordinator } = await cast();
    const before = await tableCounts();
    for (const [what, url] of ssrfUrls) {
      const res = await api("POST", "/v1/triggers", { key: coordinator.key, body: { name: "hook", concept: CONCEPT, threshold: 0.5, action: { type: "webhook", url, secret: SECRET } } });
      expect(invalidPaths(res), what).toContain("action.url");
    }
    expect(await tableCounts()).toEqual(before);
  });

  it("accepts public addresses and names that resolve only to them", async () => {
    useResolverForTests({ resolve: async (name) => (name === "hooks.example.com" ? ["93.184.216.34", "2606:2800:220:1::1"] : []) });
    const { coordinator } = await cast();
    for (const url of ["https://93.184.216.34/hook", "https://hooks.example.com/hook", "http://[2606:2800:220:1::1]/hook"])
      await createTrigger(coordinator.key, { name: "hook", concept: CONCEPT, threshold: 0.5, action: { type: "webhook", url, secret: SECRET }, ...DORMANT });
  });

  it("refuses the same mistakes on PATCH and leaves the trigger as it was", async () => {
    const { coordinator, target } = await cast();
    const created = await createTrigger(coordinator.key, { name: "t", concept: CONCEPT, threshold: 0.5, action: notify(target.agentId) });
    const row = () => env.DB.prepare("SELECT * FROM _triggers WHERE trigger_id = ?").bind(created.trigger_id).first();
    const before = await row();
    for (const [body, path] of [
      [{ threshold: 2 }, "threshold"],
      [{ action: { type: "sms" } }, "action.type"],
      [{ action: notify("nobody-at-all") }, "action.target_agent_id"],
      [{ action: { type: "webhook", url: "http://10.0.0.1/", secret: SECRET } }, "action.url"],
    ] as const)
      expect(invalidPaths(await api("PATCH", `/v1/triggers/${created.trigger_id}`, { key: coordinator.key, body }))).toContain(path);
    expect(await row()).toEqual(before);
  });

  it("answers 404 for a trigger that does not exist", async () => {
    expectError(await api("GET", "/v1/triggers/trg_nothing"), 404, "not_found");
    expectError(await api("POST", "/v1/triggers/trg_nothing/test", { body: { content: "x" } }), 404, "not_found");
  });
});
