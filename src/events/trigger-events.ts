import type { Notification } from "../triggers/schemas";
import { platformEventId } from "./platform-events";
import { PLATFORM_SOURCE } from "./platform-types";
import { publishEvent } from "./publish";

/**
 * A semantic trigger's `emit_event` action: an event of the trigger's chosen type with the memory's id and
 * the score, published by Switchyard (so `source: "switchyard"`). Its id is derived from the firing, so a
 * firing dispatched twice (the cron after a crash) publishes one event.
 */
export async function emitTriggerEvent(env: Env, eventType: string, n: Notification): Promise<void> {
  await publishEvent(
    env,
    {
      type: eventType,
      source: PLATFORM_SOURCE,
      event_id: platformEventId(`emit_event:${n.notification_id}`),
      data: { memory_id: n.source_memory_id, score: n.score, trigger_id: n.trigger_id, trigger_name: n.trigger_name, agent_id: n.agent_id, notification_id: n.notification_id },
    },
    { publisher: "platform", publishedBy: `trigger:${n.trigger_id}`, depth: 1 },
  );
}
