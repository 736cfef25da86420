// client.guardRails without a server: a fake fetch answers, and records what the client sent.
import { describe, expect, it } from "vitest";
import { type FetchLike, Switchyard, SwitchyardError } from "../../clients/typescript/index.ts";

const RULES = {
  max_run_seconds: null,
  max_tasks_per_run: 50,
  max_tokens_per_task: null,
  max_message_bytes: 65536,
  requests_per_minute: 600,
  pii: { detect: ["email", "ssn"], mode: "redact" },
  updated_at: "2026-11-21T10:30:00.000Z",
  updated_by: "admin",
};

function fakeFetch(...answers: Response[]) {
  const sent: { url: URL; method: string; headers: Headers; body: unknown }[] = [];
  const fetch: FetchLike = async (input, init) => {
    sent.push({ url: new URL(input), method: init.method ?? "GET", headers: new Headers(init.headers), body: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
    return answers[Math.min(sent.length - 1, answers.length - 1)]!.clone();
  };
  return { fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const client = (fetch: FetchLike) => new Switchyard({ baseUrl: "https://sy.example.com", apiKey: "sy_test_key", fetch, maxRetries: 1 });

describe("client.guardRails", () => {
  it("reads the deployment's rules, and replaces them with a PUT that is safe to retry", async () => {
    const { fetch, sent } = fakeFetch(json(200, RULES), json(503, { error: { code: "unavailable", message: "try again" } }), json(200, RULES));
    const sy = client(fetch);
    expect(await sy.guardRails.get()).toEqual(RULES);
    const put = { max_tasks_per_run: 50, max_message_bytes: 65536, requests_per_minute: 600, pii: { detect: ["email" as const, "ssn" as const], mode: "redact" as const } };
    expect(await sy.guardRails.put(put)).toEqual(RULES);
    expect(sent.map((s) => [s.method, s.url.pathname])).toEqual([
      ["GET", "/v1/guard-rails"],
      ["PUT", "/v1/guard-rails"],
      ["PUT", "/v1/guard-rails"],
    ]);
    expect(sent[1]!.body).toEqual(put);
    expect(sent[2]!.body).toEqual(put);
  });

  it("surfaces a refusal as guard_rail with the rule, path and kind, and a limit as rate_limited", async () => {
    const details = { rule: "pii", path: "content", kind: "email", mode: "reject" };
    const { fetch } = fakeFetch(json(422, { error: { code: "guard_rail", message: "The memory carries an email address at content.", details } }));
    const error = await client(fetch).memory.store({ agent_id: "writer", content: "x" }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toMatchObject({ status: 422, code: "guard_rail", details });
    const limited = fakeFetch(json(429, { error: { code: "rate_limited", message: "slow down", details: { rule: "requests_per_minute", limit: 600, retry_after_seconds: 3600 } } }, { "retry-after": "3600" }));
    expect(await client(limited.fetch).guardRails.get().catch((err: unknown) => err)).toMatchObject({ status: 429, code: "rate_limited", details: { rule: "requests_per_minute" } });
    expect(limited.sent).toHaveLength(1); // a wait over a minute is not taken
  });
});
