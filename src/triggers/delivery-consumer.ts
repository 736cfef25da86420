import { agentExists } from "../agents/agents";
import { exportRunTrace } from "../observability/otlp-export";
import { database } from "../db/client";
import { DeliveryMessageSchema, notifyInbox } from "./dispatch";
import { firingFromRow } from "./outbox";
import { attemptWebhook, backoffSeconds, markDeliveryDead, retryPolicy } from "./webhooks/attempt";

type FiringRow = Parameters<typeof firingFromRow>[0];

/** An inbox delivery the direct path could not make: retried here until the inbox takes it. */
async function deliverNotification(env: Env, notificationId: string): Promise<void> {
  const row = await env.DB.prepare("SELECT * FROM _trigger_firings WHERE notification_id = ?").bind(notificationId).first<FiringRow & { status: string }>();
  if (!row || row.status === "dead" || row.target_agent_id === null) return;
  // An agent deleted since the trigger fired has no inbox left to fill.
  if (!(await agentExists(database(env), row.target_agent_id))) {
    await env.DB.prepare("UPDATE _trigger_firings SET status = 'dead' WHERE notification_id = ?").bind(notificationId).run();
    return;
  }
  await notifyInbox(env, row.target_agent_id, firingFromRow(row).notification);
}

/**
 * The DELIVERIES queue: inbox notifications that need a retry, and every webhook attempt. Each message
 * is acked or retried on its own, so one receiver that is down never holds back the others.
 */
export async function consumeDeliveries(batch: MessageBatch, env: Env): Promise<void> {
  const policy = retryPolicy(env);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = DeliveryMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        // Not ours (or from an incompatible version): retrying cannot make it valid.
        console.error("deliveries: dropping a malformed message", message.id, parsed.error.message);
        message.ack();
        return;
      }
      const body = parsed.data;
      try {
        if (body.kind === "notify") {
          await deliverNotification(env, body.notification_id);
          message.ack();
        } else if (body.kind === "otlp_trace") {
          const outcome = await exportRunTrace(env, body.run_id, message.attempts);
          if (outcome.done) {
            if (outcome.status === "refused") console.error(`otlp export of run ${body.run_id}: ${outcome.detail}; not retried`);
            message.ack();
          } else {
            console.warn(`otlp export of run ${body.run_id} (attempt ${message.attempts}): ${outcome.detail}; retrying in ${outcome.retryInSeconds} s`);
            message.retry({ delaySeconds: outcome.retryInSeconds });
          }
        } else {
          const outcome = await attemptWebhook(env, body.delivery_id, message.attempts);
          if (outcome.done) message.ack();
          else message.retry({ delaySeconds: outcome.retryInSeconds });
        }
      } catch (err) {
        console.warn(`deliveries: ${body.kind} attempt ${message.attempts} failed; retrying`, err);
        message.retry({ delaySeconds: backoffSeconds(policy, message.attempts) });
      }
    }),
  );
}

/** The dead-letter queue: what the deliveries queue gave up on is recorded, so it can be listed and replayed. */
export async function consumeDeadDeliveries(batch: MessageBatch, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = DeliveryMessageSchema.safeParse(message.body);
    if (parsed.success && parsed.data.kind === "webhook") await markDeliveryDead(env.DB, parsed.data.delivery_id, "the delivery queue gave up on it");
    if (parsed.success && parsed.data.kind === "otlp_trace") console.error(`otlp export: gave up on the trace of run ${parsed.data.run_id} after every retry`);
    if (parsed.success && parsed.data.kind === "notify") {
      console.error(`deliveries: notification ${parsed.data.notification_id} could not be delivered after every retry`);
      await env.DB.prepare("UPDATE _trigger_firings SET status = 'dead' WHERE notification_id = ?").bind(parsed.data.notification_id).run();
    }
    message.ack();
  }
}
