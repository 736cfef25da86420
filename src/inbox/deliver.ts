import { inboxRefusal } from "../../durable-objects/agent/inbox-errors";
import type { DeliverResult, InboxItemInput } from "../../durable-objects/agent/inbox-types";
import { INBOX_LIMITS } from "../../durable-objects/agent/inbox-types";
import { ApiError } from "../http/errors";
import { agentObject } from "../state/agent-state";

/**
 * Delivers one item into an agent's inbox, turning the inbox's refusals into the contract's errors:
 * an item over the size limit is 413 `payload_too_large`, an inbox at its depth limit 429 `rate_limited`
 * (retry once the agent has drained it). Any other failure is re-thrown as it came.
 */
export async function deliverToInbox(env: Env, agentId: string, input: InboxItemInput): Promise<DeliverResult> {
  try {
    return await agentObject(env, agentId).deliver(input);
  } catch (error) {
    const refusal = inboxRefusal(error);
    if (refusal?.reason === "item_too_large")
      throw new ApiError("payload_too_large", refusal.message, { reason: refusal.reason, limit_bytes: INBOX_LIMITS.maxItemBytes }, { cause: error });
    if (refusal?.reason === "inbox_full")
      throw new ApiError("rate_limited", `Agent '${agentId}' cannot take more: ${refusal.message}`, { reason: refusal.reason, limit_items: INBOX_LIMITS.maxPendingItems }, { cause: error });
    throw error;
  }
}
