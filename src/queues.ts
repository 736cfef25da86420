/**
 * Queue consumers, by queue. The events queue (coordination events) and the webhook delivery queues
 * get their consumers with the capabilities that produce their messages; until then a message has
 * no consumer and is left for retry, never silently dropped.
 */
import { consumeDeadDeliveries, consumeDeliveries } from "./triggers/delivery-consumer";

type Consumer = (batch: MessageBatch, env: Env) => Promise<void>;

const consumers: Record<string, Consumer> = {
  "switchyard-deliveries": consumeDeliveries,
  "switchyard-deliveries-dlq": consumeDeadDeliveries,
};

export async function handleQueueBatch(batch: MessageBatch, env: Env): Promise<void> {
  const consumer = consumers[batch.queue];
  if (!consumer) {
    console.warn(`queue '${batch.queue}': no consumer in this version; ${batch.messages.length} message(s) will be retried`);
    batch.retryAll();
    return;
  }
  await consumer(batch, env);
}
