import { inboxRefusal, type InboxRefusal } from "../../durable-objects/agent/inbox-errors";
import type { DeliverResult, InboxItemInput } from "../../durable-objects/agent/inbox-types";
import { INBOX_LIMITS } from "../../durable-objects/agent/inbox-types";
import { ApiError } from "../http/errors";
import { inboxObject } from "./inbox-object";

/**
 * Runs a delivery into an agent's inbox, turning the inbox's refusals into the contract's errors: an
 * item over the size limit is 413 `payload_too_large`, an inbox at its depth limit 429 `rate_limited`
 * (retry once the agent has drained it). Any other failure is re-thrown as it came.
 */
async function refusalsAsApiErrors<T>(agentId: string, delivery: Promise<T>): Promise<T> {
  try {
    return await delivery;
  } catch (error) {
    const refusal = inboxRefusal(error);
    if (refusal) throw refusalError(agentId, refusal, error);
    throw error;
  }
}

/** The contract's error for a refusal; `index` names the refused item of a batch. */
export function refusalError(agentId: string, refusal: InboxRefusal, cause?: unknown, index?: number): ApiError {
  if (refusal.reason === "item_too_large")
    return new ApiError("payload_too_large", refusal.message, { reason: refusal.reason, limit_bytes: INBOX_LIMITS.maxItemBytes, ...(index === undefined ? {} : { index }) }, { cause });
  return new ApiError("rate_limited", `Agent '${agentId}' cannot take more: ${refusal.message}`, { reason: refusal.reason, limit_items: INBOX_LIMITS.maxPendingItems }, { cause });
}

/** Delivers one item (a notification, say) into an agent's inbox; refusals are `ApiError`s. */
export function deliverToInbox(env: Env, agentId: string, input: InboxItemInput): Promise<DeliverResult> {
  return refusalsAsApiErrors(agentId, inboxObject(env, agentId).deliver(input));
}
