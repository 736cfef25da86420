import { z } from "zod";
import { segment } from "../rest-client";
import { ADDS, READS, REPLACES, defineTool } from "../tool";
import { agentId, nonEmpty } from "./arguments";

const triggerId = nonEmpty("The trigger's id (trg_…), as register_trigger or list_triggers returned it.").max(64);

/** HatiData's action types, and the REST action each one is. */
const ACTION_TYPES = ["flag_for_review", "agent_notify", "webhook", "write_event"] as const;
const DEFAULT_THRESHOLD = 0.8;

const registerInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).describe("A name for the trigger, unique enough to recognise in notifications."),
    concept: nonEmpty("What to listen for, in words: memories whose meaning is close to it fire the trigger."),
    threshold: z.number().min(0).max(1).optional().describe(`Cosine similarity 0..1 a memory must reach (default ${DEFAULT_THRESHOLD}).`),
    action_type: z
      .enum(ACTION_TYPES)
      .optional()
      .describe(
        "What happens when it fires: flag_for_review (default; an audit entry, also called write_event), agent_notify (a notification in an agent's inbox: " +
          "action_config.target_agent_id), webhook (a signed POST: action_config.webhook_url and action_config.secret).",
      ),
    action_config: z
      .strictObject({
        target_agent_id: agentId("agent_notify: the agent whose inbox is notified.").optional(),
        webhook_url: z.string().max(2048).optional().describe("webhook: the public http(s) URL to POST to."),
        secret: z.string().min(16).max(256).optional().describe("webhook: at least 16 characters; signs each delivery (never shown again)."),
      })
      .optional()
      .describe("The action's settings, by action_type."),
    description: z.string().max(1000).optional().describe("What the trigger is for."),
    cooldown_seconds: z.number().int().min(0).optional().describe("After firing, stay quiet this many seconds (default 0)."),
    namespaces: z.array(agentId("A namespace.")).min(1).max(50).optional().describe("Only memories stored in these namespaces (default: all)."),
  })
  .superRefine((args, ctx) => {
    const config = args.action_config ?? {};
    const needs = (field: keyof typeof config) => {
      if (config[field] === undefined) ctx.addIssue({ code: "custom", path: ["action_config", field], message: `is required for action_type ${args.action_type}` });
    };
    if (args.action_type === "agent_notify") needs("target_agent_id");
    if (args.action_type === "webhook") {
      needs("webhook_url");
      needs("secret");
    }
  });

type RegisterArgs = z.output<typeof registerInput>;

function restAction({ action_type, action_config }: RegisterArgs) {
  switch (action_type) {
    case "agent_notify":
      return { type: "agent_notify", target_agent_id: action_config?.target_agent_id };
    case "webhook":
      return { type: "webhook", url: action_config?.webhook_url, secret: action_config?.secret };
    default:
      return { type: "write_event" };
  }
}

export const registerTrigger = defineTool({
  name: "register_trigger",
  title: "Register a semantic trigger",
  description:
    "Watch for new memories about a concept: whenever a memory whose meaning is close enough to the concept is stored, the action runs once " +
    "(an audit entry to review, a notification in an agent's inbox, or a signed webhook) — no polling of memory needed. " +
    "Check a threshold with test_trigger first. Returns the trigger: {trigger_id, name, concept, threshold, action, enabled, created_at, ...}.",
  input: registerInput,
  annotations: ADDS,
  run: (args, { rest }) =>
    rest.post("/v1/triggers", {
      body: {
        name: args.name,
        concept: args.concept,
        threshold: args.threshold ?? DEFAULT_THRESHOLD,
        action: restAction(args),
        description: args.description,
        cooldown_seconds: args.cooldown_seconds,
        namespaces: args.namespaces,
      },
    }),
});

interface TriggerPage {
  items: { enabled: boolean }[];
  next_cursor: string | null;
}

/** A listing reads at most this many triggers (ten pages). */
const MAX_LISTED = 1000;

export const listTriggers = defineTool({
  name: "list_triggers",
  title: "List semantic triggers",
  description:
    "List the semantic triggers, oldest first: what each listens for, its threshold and action, and when it last fired. " +
    "Returns a JSON array of triggers {trigger_id, name, concept, threshold, action, enabled, created_by, last_fired_at, ...}; structuredContent wraps it as {items}.",
  input: z.strictObject({
    status: z.enum(["active", "disabled", "all"]).optional().describe("active (enabled), disabled, or all (default)."),
  }),
  annotations: READS,
  listKey: "items",
  run: async ({ status }, { rest }) => {
    const triggers: TriggerPage["items"] = [];
    let cursor: string | undefined;
    do {
      const page = await rest.get<TriggerPage>("/v1/triggers", { query: { limit: 100, cursor } });
      triggers.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && triggers.length < MAX_LISTED);
    if (status === "active") return triggers.filter((t) => t.enabled);
    if (status === "disabled") return triggers.filter((t) => !t.enabled);
    return triggers;
  },
});

export const deleteTrigger = defineTool({
  name: "delete_trigger",
  title: "Delete a semantic trigger",
  description: "Delete a trigger you created (admins: every trigger): it stops firing at once. Returns {deleted: true, trigger_id}.",
  input: z.strictObject({ trigger_id: triggerId }),
  annotations: REPLACES,
  run: async ({ trigger_id }, { rest }) => {
    await rest.delete(`/v1/triggers/${segment(trigger_id)}`);
    return { deleted: true, trigger_id };
  },
});

export const testTrigger = defineTool({
  name: "test_trigger",
  title: "Test content against a trigger",
  description:
    "Score a piece of content against a trigger's concept without storing anything: would a memory with this content fire it? " +
    "Use it to choose a threshold. Returns {matched, score, threshold, trigger_name}.",
  input: z.strictObject({ trigger_id: triggerId, content: nonEmpty("The content to score, as it would be stored.") }),
  annotations: READS,
  run: ({ trigger_id, content }, { rest }) => rest.post(`/v1/triggers/${segment(trigger_id)}/test`, { body: { content } }),
});

export const TRIGGER_TOOLS = [registerTrigger, listTriggers, deleteTrigger, testTrigger];
