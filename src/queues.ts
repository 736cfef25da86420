/**
 * Queue consumers, by queue: coordination events (from any Queues producer) and webhook deliveries, each
 * with its dead-letter queue. A message of a queue with no consumer in this version is left for retry,
 * never silently dropped.
 */
import { consumeDeadEvents, consumeEvents } from "./events/queue-consumer";
import { consumeDeadDeliveries, consumeDeliveries } from "./triggers/delivery-consumer";

type Consumer = (batch: MessageBatch, env: Env) => Promise<void>;

const consumers: Record<string, Consumer> = {
  "switchyard-events": consumeEvents,
  "switchyard-events-dlq": consumeDeadEvents,
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
