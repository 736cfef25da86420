import { z } from "@hono/zod-openapi";
import { CATCHUP_POLICIES } from "./catchup";
import { CronPattern } from "./cron-pattern";
import type { HookAuth } from "./hook-auth/hook-auth-config";
import { HMAC_ALGORITHMS, PUBLIC_KEY_ALGORITHMS } from "./hook-auth/hook-jwt";
import { MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from "./polling-backoff";
import { TimeZone } from "./time-zone";
import { normaliseHookPath } from "./webhook-path";

/**
 * A workflow's `triggers:` list, with exactly the contract's fields per kind (unknown fields are
 * refused, so a typo such as `intervall_seconds` is a 400, not a silently ignored setting):
 * `manual`; `schedule` (cron, timezone, catchup?); `polling` (interval_seconds, backoff, condition);
 * `event` (event_type, filter); `webhook` (path, auth). Every field is checked as deeply as it can be
 * without the database: the cron and the zone parse, the hook path is normalised. What needs more context
 * is checked where the workflow is saved: the polling condition by the SQL guard, the path's uniqueness in
 * the deployment, `jwks_url` against the webhook URL guard; an event trigger's type and filter by the
 * events module, as every event filter is.
 */
export const MAX_TRIGGERS = 20;
const MAX_CONDITION_LENGTH = 10_000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const ManualTriggerSchema = z.strictObject({ type: z.literal("manual") });

export const ScheduleTriggerSchema = z
  .strictObject({
    type: z.literal("schedule"),
    cron: z
      .string()
      .max(200)
      .superRefine((cron, ctx) => {
        try {
          CronPattern.parse(cron);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: message(error) });
        }
      })
      .openapi({ description: "Five fields: minute hour day-of-month month day-of-week.", example: "0 8 * * MON" }),
    timezone: z
      .string()
      .max(64)
      .superRefine((name, ctx) => {
        try {
          TimeZone.of(name);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: message(error) });
        }
      })
      .transform((name) => TimeZone.of(name).name)
      .openapi({ description: "An IANA time zone; daylight saving is followed.", example: "America/New_York" }),
    catchup: z.enum(CATCHUP_POLICIES).default("latest").openapi({ description: "After downtime: fire the latest missed instant, none, or all (at most 100)." }),
  })
  .openapi("ScheduleTrigger");

const SecondsSchema = z.number().int().min(MIN_INTERVAL_SECONDS).max(MAX_INTERVAL_SECONDS);

export const PollingTriggerSchema = z
  .strictObject({
    type: z.literal("polling"),
    interval_seconds: SecondsSchema.openapi({ example: 300 }),
    backoff: z.strictObject({ type: z.literal("exponential"), max_interval_seconds: SecondsSchema.openapi({ example: 3600 }) }),
    condition: z
      .string()
      .max(MAX_CONDITION_LENGTH)
      .refine((sql) => sql.trim().length > 0, "condition must be a read-only SQL query")
      .openapi({ example: "SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'" }),
  })
  .superRefine((trigger, ctx) => {
    if (trigger.backoff.max_interval_seconds < trigger.interval_seconds) {
      ctx.addIssue({
        code: "custom",
        path: ["backoff", "max_interval_seconds"],
        message: `must be at least interval_seconds (${trigger.interval_seconds})`,
      });
    }
  })
  .openapi("PollingTrigger");

/**
 * An event trigger's fields are the events module's to check (src/events/definition-filters.ts: the type
 * name, the filter's CEL with ordered levels, then the filter against the registered type), as for
 * event-driven entries: one place per rule. Here only the shape: no other field, text where text goes.
 * Without a filter every event of the type matches.
 */
export const EventTriggerSchema = z
  .strictObject({
    type: z.literal("event"),
    event_type: z.string().optional().openapi({ description: "The event type listened to (required).", example: "data.loaded" }),
    filter: z.string().optional().openapi({ description: "CEL over the event; left out, every event of the type matches.", example: "source == 'sales_warehouse' && row_count > 0" }),
  })
  .openapi("EventTrigger");

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const Audience = z.string().min(1).max(512);

export const ApiKeyAuthSchema = z.strictObject({
  type: z.literal("api_key"),
  header: z.string().regex(HEADER_NAME, "must be an HTTP header name such as X-API-Key").openapi({ example: "X-API-Key" }),
});

export const JwtAuthSchema = z
  .strictObject({
    type: z.literal("jwt"),
    secret_name: z.string().regex(SECRET_NAME, "must be the name of a Worker secret: letters, digits and _").optional(),
    jwks_url: z
      .string()
      .max(2048)
      // https in a deployment; http only where WEBHOOK_ALLOW_PRIVATE=true lets a local issuer serve its keys
      // (checked when the workflow is saved, src/lifecycle/trigger-sync.ts, with the URL guard).
      .refine((url) => URL.canParse(url) && ["https:", "http:"].includes(new URL(url).protocol), "must be an https URL")
      .optional(),
    issuer: z.string().min(1).max(512).optional(),
    audience: z.union([Audience, z.array(Audience).min(1).max(20)]).optional(),
    algorithms: z.array(z.string()).min(1).max(PUBLIC_KEY_ALGORITHMS.length).optional(),
  })
  .superRefine((auth, ctx) => {
    const withSecret = auth.secret_name !== undefined;
    if (withSecret === (auth.jwks_url !== undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of secret_name (HS256 with a Worker secret) and jwks_url (the issuer's public keys)" });
      return;
    }
    const allowed: readonly string[] = withSecret ? HMAC_ALGORITHMS : PUBLIC_KEY_ALGORITHMS;
    auth.algorithms?.forEach((alg, i) => {
      if (alg.toLowerCase() === "none") ctx.addIssue({ code: "custom", path: ["algorithms", i], message: "none is never accepted: a hook takes signed tokens only" });
      else if (!withSecret && (HMAC_ALGORITHMS as readonly string[]).includes(alg)) {
        ctx.addIssue({ code: "custom", path: ["algorithms", i], message: `${alg} cannot be used with jwks_url: an HMAC token checked against a public key can be forged by anyone who has that key` });
      } else if (!allowed.includes(alg)) ctx.addIssue({ code: "custom", path: ["algorithms", i], message: `must be one of ${allowed.join(", ")}` });
    });
  });

export const WebhookAuthSchema = z.discriminatedUnion("type", [ApiKeyAuthSchema, JwtAuthSchema]).openapi("WebhookAuth");

export const WebhookTriggerSchema = z
  .strictObject({
    type: z.literal("webhook"),
    path: z
      .string()
      .transform((raw, ctx) => {
        const result = normaliseHookPath(raw);
        if (result.ok) return result.path;
        ctx.addIssue({ code: "custom", message: result.message });
        return z.NEVER;
      })
      .openapi({ description: "Under /hooks/: `/hooks/revenue-report` and `revenue-report` are the same hook.", example: "/hooks/revenue-report" }),
    auth: WebhookAuthSchema,
  })
  .openapi("WebhookTrigger");

export const TriggerSchema = z
  .discriminatedUnion("type", [ManualTriggerSchema, ScheduleTriggerSchema, PollingTriggerSchema, EventTriggerSchema, WebhookTriggerSchema])
  .openapi("LifecycleTrigger");

export const TriggersSchema = z
  .array(TriggerSchema)
  .max(MAX_TRIGGERS)
  .superRefine((triggers, ctx) => {
    const seen = new Map<string, number>();
    triggers.forEach((trigger, i) => {
      if (trigger.type !== "webhook") return;
      const first = seen.get(trigger.path);
      if (first === undefined) seen.set(trigger.path, i);
      else ctx.addIssue({ code: "custom", path: [i, "path"], message: `${trigger.path} is already the path of triggers[${first}]` });
    });
  });

export type Trigger = z.output<typeof TriggerSchema>;
export type ScheduleTrigger = z.output<typeof ScheduleTriggerSchema>;
export type PollingTrigger = z.output<typeof PollingTriggerSchema>;
export type EventTrigger = z.output<typeof EventTriggerSchema>;
export type WebhookTrigger = z.output<typeof WebhookTriggerSchema>;

// The parsed `auth` is what authenticateHook takes: a change to either side fails to compile here.
type Fits<T extends U, U> = T;
export type WebhookAuth = Fits<z.output<typeof WebhookAuthSchema>, HookAuth>;
