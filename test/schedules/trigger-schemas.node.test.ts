import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { fieldPath } from "../../src/http/errors";
import { eventTriggerIssues } from "../../src/events/definition-filters";
import { TriggersSchema } from "../../src/schedules/trigger-schemas";
import { normaliseHookPath } from "../../src/schedules/webhook-path";

/**
 * The seed's `triggers:` block (datafi-multi-agent-coordination.txt, "Lifecycle Triggers"), word for
 * word. The seed's text export lost the YAML's indentation; it is restored here as the block's own
 * structure requires, and nothing else is changed.
 */
const SEED_TRIGGERS = `
triggers:
  - type: schedule
    cron: "0 8 * * MON"
    timezone: "America/New_York"
  - type: event
    event_type: data.loaded
    filter: "source == 'sales_warehouse' && row_count > 0"
  - type: webhook
    path: /hooks/revenue-report
    auth:
      type: api_key
      header: X-API-Key
  - type: polling
    interval_seconds: 300
    backoff:
      type: exponential
      max_interval_seconds: 3600
    condition: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'"
`;

/** The same block exactly as the seed's text shows it (lines 127-144), without indentation. */
const SEED_TEXT = `
triggers:
- type: schedule
cron: "0 8 * * MON"
timezone: "America/New_York"
- type: event
event_type: data.loaded
filter: "source == 'sales_warehouse' && row_count > 0"
- type: webhook
path: /hooks/revenue-report
auth:
type: api_key
header: X-API-Key
- type: polling
interval_seconds: 300
backoff:
type: exponential
max_interval_seconds: 3600
condition: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'"
`;

/** The issues of a refused list, as `triggers[i].field: message` lines. */
function issues(triggers: unknown): string[] {
  const result = TriggersSchema.safeParse(triggers);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${fieldPath(["triggers", ...issue.path])}: ${issue.message}`);
}

describe("the seed's triggers block", () => {
  it("is accepted verbatim, each trigger as written (catchup defaults to latest)", () => {
    const document = parseYaml(SEED_TRIGGERS) as { triggers: unknown };
    expect(TriggersSchema.parse(document.triggers)).toEqual([
      { type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York", catchup: "latest" },
      { type: "event", event_type: "data.loaded", filter: "source == 'sales_warehouse' && row_count > 0" },
      { type: "webhook", path: "/hooks/revenue-report", auth: { type: "api_key", header: "X-API-Key" } },
      {
        type: "polling",
        interval_seconds: 300,
        backoff: { type: "exponential", max_interval_seconds: 3600 },
        condition: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'",
      },
    ]);
  });

  it("differs from the seed's text in indentation only", () => {
    const dedented = SEED_TRIGGERS.trim()
      .split("\n")
      .map((line) => line.trim());
    expect(dedented).toEqual(SEED_TEXT.trim().split("\n"));
  });
});

describe("trigger validation", () => {
  it("accepts manual, a schedule with a catch-up policy, and JWT hooks of both kinds", () => {
    const parsed = TriggersSchema.parse([
      { type: "manual" },
      { type: "schedule", cron: "*/15 9-17 * * MON-FRI", timezone: "europe/paris", catchup: "all" },
      { type: "webhook", path: "deploys", auth: { type: "jwt", secret_name: "DEPLOY_HOOK_SECRET", audience: ["a", "b"] } },
      { type: "webhook", path: "hooks/ci/builds", auth: { type: "jwt", jwks_url: "https://token.actions.example.com/.well-known/jwks", issuer: "https://token.actions.example.com", algorithms: ["RS256"] } },
    ]);
    expect(parsed[1]).toMatchObject({ timezone: "Europe/Paris", catchup: "all" });
    expect(parsed.map((t) => (t.type === "webhook" ? t.path : null))).toEqual([null, null, "/hooks/deploys", "/hooks/ci/builds"]);
  });

  it("names the field at fault for a bad cron or zone, with the schedule's own message", () => {
    expect(issues([{ type: "schedule", cron: "0 25 * * *", timezone: "America/New_York" }])).toEqual([
      "triggers[0].cron: cron '0 25 * * *': the hour field '25' is not valid; it takes 0-23, '*', lists (a,b), ranges (a-b) and steps (*/n or a-b/n)",
    ]);
    expect(issues([{ type: "schedule", cron: "0 8 * * MON", timezone: "America/Gotham" }])).toEqual([
      "triggers[0].timezone: 'America/Gotham' is not a known IANA time zone; use a name such as America/New_York or Europe/Paris",
    ]);
    expect(issues([{ type: "schedule", cron: "0 8 * * MON", timezone: "UTC", catchup: "some" }])[0]).toMatch(/^triggers\[0\]\.catchup: /);
    expect(issues([{ type: "schedule", cron: "0 8 * * MON" }])[0]).toMatch(/^triggers\[0\]\.timezone: /);
  });

  it("refuses fields the contract does not have, and an unknown kind", () => {
    expect(issues([{ type: "schedule", cron: "0 8 * * MON", timezone: "UTC", tz: "UTC" }])).toEqual([expect.stringMatching(/^triggers\[0\]: .*"tz"/)]);
    expect(issues([{ type: "polling", intervall_seconds: 300, interval_seconds: 300, backoff: { type: "exponential", max_interval_seconds: 600 }, condition: "SELECT 1" }])).toEqual([
      expect.stringMatching(/^triggers\[0\]: .*"intervall_seconds"/),
    ]);
    expect(issues([{ type: "cron" }])[0]).toMatch(/^triggers\[0\]\.type: Invalid discriminator value. Expected 'manual' \| 'schedule' \| 'polling' \| 'event' \| 'webhook'/);
  });

  it("holds polling to interval_seconds ≥ 10 and a maximum no smaller than the interval", () => {
    const polling = (interval: number, max: number) => [{ type: "polling", interval_seconds: interval, backoff: { type: "exponential", max_interval_seconds: max }, condition: "SELECT 1" }];
    expect(issues(polling(9, 60))[0]).toMatch(/^triggers\[0\]\.interval_seconds: /);
    expect(issues(polling(10, 10))).toEqual([]);
    expect(issues(polling(300, 60))).toEqual(["triggers[0].backoff.max_interval_seconds: must be at least interval_seconds (300)"]);
    expect(issues(polling(30.5, 60))[0]).toMatch(/^triggers\[0\]\.interval_seconds: /);
    expect(issues([{ type: "polling", interval_seconds: 60, backoff: { type: "linear", max_interval_seconds: 60 }, condition: "SELECT 1" }])[0]).toMatch(/^triggers\[0\]\.backoff\.type: /);
    expect(issues([{ type: "polling", interval_seconds: 60, backoff: { type: "exponential", max_interval_seconds: 60 }, condition: "  " }])).toEqual([
      "triggers[0].condition: condition must be a read-only SQL query",
    ]);
  });

  it("leaves an event trigger's type and filter to the events module, which refuses a filter that is not CEL and a type that is not a name", () => {
    const bad = [
      { type: "event", event_type: "data.loaded", filter: "source == 'x' &&" },
      { type: "event", event_type: "data loaded", filter: "true" },
      { type: "event" },
    ];
    expect(issues(bad)).toEqual([]); // the shape is right: no second opinion here
    expect(issues([{ type: "event", event_type: "data.loaded", filtre: "true" }])[0]).toMatch(/^triggers\[0\]: Unrecognized key: "filtre"/);
    const definition = { triggers: TriggersSchema.parse(bad) } as unknown as Parameters<typeof eventTriggerIssues>[0];
    expect(eventTriggerIssues(definition).map((i) => i.path.join("."))).toEqual(["triggers.0.filter", "triggers.1.event_type", "triggers.2.event_type"]);
  });

  it("normalises hook paths with or without /hooks/, and refuses the same hook twice in a workflow", () => {
    for (const written of ["/hooks/revenue-report", "revenue-report", "hooks/revenue-report", "/revenue-report", " /hooks/revenue-report/ "]) {
      expect(normaliseHookPath(written), written).toEqual({ ok: true, path: "/hooks/revenue-report" });
    }
    for (const bad of ["", "/hooks/", "/hooks", "a b", "../admin", "a//b", "x?y=1", "%2e%2e", "a/.hidden"]) {
      expect(normaliseHookPath(bad).ok, bad).toBe(false);
    }
    const hook = (path: string) => ({ type: "webhook", path, auth: { type: "api_key", header: "X-API-Key" } });
    expect(issues([hook("/hooks/revenue-report"), hook("revenue-report")])).toEqual(["triggers[1].path: /hooks/revenue-report is already the path of triggers[0]"]);
  });

  it("refuses a JWT hook with both or neither key source, and algorithms that would let tokens be forged", () => {
    const jwt = (auth: Record<string, unknown>) => [{ type: "webhook", path: "x", auth: { type: "jwt", ...auth } }];
    const both = "triggers[0].auth: give exactly one of secret_name (HS256 with a Worker secret) and jwks_url (the issuer's public keys)";
    expect(issues(jwt({}))).toEqual([both]);
    expect(issues(jwt({ secret_name: "S", jwks_url: "https://issuer.example.com/jwks" }))).toEqual([both]);
    expect(issues(jwt({ jwks_url: "https://issuer.example.com/jwks", algorithms: ["RS256", "HS256"] }))).toEqual([
      "triggers[0].auth.algorithms[1]: HS256 cannot be used with jwks_url: an HMAC token checked against a public key can be forged by anyone who has that key",
    ]);
    expect(issues(jwt({ secret_name: "S", algorithms: ["none"] }))).toEqual(["triggers[0].auth.algorithms[0]: none is never accepted: a hook takes signed tokens only"]);
    expect(issues(jwt({ secret_name: "S", algorithms: ["RS256"] }))).toEqual(["triggers[0].auth.algorithms[0]: must be one of HS256, HS384, HS512"]);
    expect(issues(jwt({ jwks_url: "ftp://issuer.example.com/jwks" }))).toEqual(["triggers[0].auth.jwks_url: must be an https URL"]);
    // http passes the shape; the deployment refuses it unless WEBHOOK_ALLOW_PRIVATE=true (test/lifecycle/webhooks.test.ts).
    expect(issues(jwt({ jwks_url: "http://issuer.example.com/jwks" }))).toEqual([]);
    expect(issues(jwt({ secret_name: "not a name" }))[0]).toMatch(/^triggers\[0\]\.auth\.secret_name: /);
    expect(issues([{ type: "webhook", path: "x", auth: { type: "api_key", header: "X API Key" } }])[0]).toMatch(/^triggers\[0\]\.auth\.header: must be an HTTP header name/);
  });

  it("holds a workflow to 20 triggers", () => {
    expect(issues(Array.from({ length: 21 }, () => ({ type: "manual" })))[0]).toMatch(/^triggers: /);
  });
});
