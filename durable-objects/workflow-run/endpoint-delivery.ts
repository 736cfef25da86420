import { endpointSecret } from "../../src/runs/endpoint-signing";
import { webhookRequest } from "../../src/triggers/webhooks/signing";
import { allowsPrivateWebhooks, webhookUrlRefusal } from "../../src/triggers/webhooks/url-guard";
import type { TaskFields } from "../agent/inbox-types";

const ATTEMPT_TIMEOUT_MS = 10_000;

/** Raised when an endpoint refuses or cannot be reached: the run's outbox tries again with backoff. */
export class EndpointDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EndpointDeliveryError";
  }
}

/**
 * POSTs a task to its version's endpoint as `{type: "task.assigned", task}`, signed like a webhook with
 * the agent's endpoint key (X-Switchyard-Event-Id is the task id, the same on every attempt). The address is
 * checked again now (a name that was public when the version was published may point inside since); a
 * redirect is not followed. Anything but a 2xx throws, and the outbox retries; the task's deadline bounds it.
 */
export async function deliverToEndpoint(env: Env, task: TaskFields, endpoint: string, attempt: number): Promise<void> {
  const refusal = await webhookUrlRefusal(endpoint, { allowPrivate: allowsPrivateWebhooks(env) });
  if (refusal) throw new EndpointDeliveryError(`the endpoint ${refusal}`);
  const payload = JSON.stringify({ type: "task.assigned", task });
  const request = await webhookRequest(await endpointSecret(env, task.agent_id), payload, task.task_id, attempt);
  let response: Response;
  try {
    response = await fetch(endpoint, { method: "POST", body: request.body, headers: request.headers, redirect: "manual", signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
  } catch (error) {
    throw new EndpointDeliveryError(`the endpoint could not be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) throw new EndpointDeliveryError(`the endpoint answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : ""}`);
}
