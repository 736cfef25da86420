import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";

// Issue 11, item 5: no secret is kept in the idempotency cache, and a replay never shows one.

describe("responses that carry a secret", () => {
  it("are remembered without it: a replay of a key creation is a 409 naming the key, not the key again", async () => {
    const agent = await newAgent();
    const idempotencyKey = uniqueId("idem");
    const first = await api("POST", `/v1/agents/${agent.agentId}/keys`, { headers: { "idempotency-key": idempotencyKey } });
    expect(first.status).toBe(201);
    const apiKey = first.body.api_key as string;
    expect(apiKey).toMatch(/^sy_/);

    const { results } = await env.DB.prepare("SELECT response_body, secret_withheld FROM _idempotency_keys WHERE scope LIKE ?").bind(`%${idempotencyKey}`).all<{ response_body: string; secret_withheld: number }>();
    expect(results).toHaveLength(1);
    expect(results[0]!.response_body).not.toContain(apiKey);
    expect(results[0]!.response_body).not.toContain("api_key");
    expect(results[0]!.secret_withheld).toBe(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM _idempotency_keys WHERE response_body LIKE ?").bind(`%${apiKey}%`).first("n")).toBe(0);

    const replay = await api("POST", `/v1/agents/${agent.agentId}/keys`, { headers: { "idempotency-key": idempotencyKey } });
    expectError(replay, 409, "conflict");
    expect(JSON.stringify(replay.body)).not.toContain(apiKey);
    expect(replay.body.error.details).toMatchObject({ reason: "secret_not_replayed", first_response: { key_id: first.body.key_id, agent_id: agent.agentId } });
    expect(replay.headers.get("retry-after")).toBeNull();
    // Only one key was issued, and it works.
    const keys = await api("GET", `/v1/agents/${agent.agentId}/keys`);
    expect(keys.body.items.map((k: { key_id: string }) => k.key_id)).toContain(first.body.key_id);
    expect(keys.body.items).toHaveLength(2);
    expect((await api("GET", "/v1/whoami", { key: apiKey })).status).toBe(200);
  });

  it("leave responses without a secret replayable as before", async () => {
    const idempotencyKey = uniqueId("idem");
    const body = { agent_id: uniqueId("replayed") };
    const first = await api("POST", "/v1/agents", { body, headers: { "idempotency-key": idempotencyKey } });
    const again = await api("POST", "/v1/agents", { body, headers: { "idempotency-key": idempotencyKey } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });
});
