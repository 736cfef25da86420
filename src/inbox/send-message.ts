import type { JsonValue, MessageItem, Sender } from "../../durable-objects/agent/inbox-types";
import { notFound } from "../http/errors";
import { refusalError } from "./deliver";
import { inboxObject } from "./inbox-object";

export type Message = { type: string; body: JsonValue };

/**
 * Delivers direct messages into an agent's inbox, in order, all or none. One call to the agent's object
 * does it all: it stores the messages in one transaction, then writes their audit rows to D1 in a
 * statement that also checks the agent exists (see durable-objects/agent/send-audit.ts), so a send
 * costs the Worker no D1 round trip of its own. Refusals are the contract's errors; in a batch
 * (`indexed`), one naming a single item says which (`messages[i]`).
 */
export async function sendMessages(env: Env, to: string, messages: Message[], sender: Sender, indexed: boolean): Promise<MessageItem[]> {
  const outcome = await inboxObject(env, to).sendMessages(to, messages, sender);
  if (!("items" in outcome)) {
    if (outcome.reason === "no_agent") throw notFound("Agent", to);
    const { index, ...refusal } = outcome;
    throw indexed && index !== undefined ? refusalError(to, { ...refusal, message: `messages[${index}]: ${refusal.message}` }, undefined, index) : refusalError(to, refusal);
  }
  return outcome.items.map(({ item_id, created_at }, i) => {
    const { type, body } = messages[i]!;
    return { item_id, kind: "message", created_at, from_agent_id: sender.agentId, type, body };
  });
}
