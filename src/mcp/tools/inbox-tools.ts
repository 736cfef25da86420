import { z } from "zod";
import { segment } from "../rest-client";
import { ADDS, REPLACES, defineTool } from "../tool";
import { agentId } from "./arguments";

const ownInbox = agentId("Whose inbox: defaults to your own (only the agent itself, or an admin, reads an inbox).").optional();

export const inboxPoll = defineTool({
  name: "inbox_poll",
  title: "Poll your inbox",
  description:
    "Take the oldest items waiting in your inbox: notifications from semantic triggers and messages from other agents. Without lease_seconds the items " +
    "are delivered and not returned again; with it they come back after the lease unless you inbox_ack them (use a lease when losing an item matters). " +
    "wait_seconds holds the call until an item arrives. Returns a JSON array of items {item_id, kind: notification | message, created_at, ...}: a " +
    "notification has {trigger_id, trigger_name, source_memory_id, agent_id, score}, a message {from_agent_id, type, body}; structuredContent wraps it as {items}.",
  input: z.strictObject({
    agent_id: ownInbox,
    limit: z.number().int().min(1).max(100).optional().describe("How many items at most (default 10)."),
    lease_seconds: z.number().int().min(1).optional().describe("Lease the items for this many seconds instead of delivering them."),
    wait_seconds: z.number().int().min(0).max(30).optional().describe("With nothing waiting, wait up to this many seconds (default 0)."),
  }),
  // Polling delivers what it returns: it changes the inbox, and a second poll returns other items.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  listKey: "items",
  run: async ({ agent_id, ...query }, { rest, caller }) => {
    const { items } = await rest.get<{ items: unknown[] }>(`/v1/inbox/${segment(agent_id ?? caller.agentId)}`, { query });
    return items;
  },
});

export const inboxAck = defineTool({
  name: "inbox_ack",
  title: "Acknowledge leased inbox items",
  description:
    "Mark items you polled with a lease as handled, so they do not come back. Returns {acked: [ids now delivered], unknown: [ids that are no leased item]}.",
  input: z.strictObject({
    item_ids: z.array(z.string().min(1).max(64)).min(1).max(100).describe("The item_id of each leased item handled."),
    agent_id: ownInbox,
  }),
  annotations: REPLACES,
  run: ({ item_ids, agent_id }, { rest, caller }) => rest.post(`/v1/inbox/${segment(agent_id ?? caller.agentId)}/ack`, { body: { item_ids } }),
});

export const sendMessage = defineTool({
  name: "send_message",
  title: "Send a message to an agent",
  description:
    "Put a direct message in another agent's inbox (it reads it with inbox_poll): hand over work, ask a question, report a result. " +
    "Returns the delivered item {item_id, kind: message, from_agent_id, type, body, created_at}.",
  input: z.strictObject({
    to_agent_id: agentId("The agent whose inbox receives the message."),
    body: z.json().describe("The message, as JSON (at most 64 KiB)."),
    type: z.string().min(1).max(128).optional().describe("What kind of message, for the receiver to dispatch on (default message), e.g. handoff."),
  }),
  annotations: ADDS,
  run: ({ to_agent_id, ...message }, { rest }) => rest.post(`/v1/inbox/${segment(to_agent_id)}/messages`, { body: message }),
});

export const INBOX_TOOLS = [inboxPoll, inboxAck, sendMessage];
