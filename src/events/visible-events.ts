import type { Context } from "hono";
import { permits } from "../authz/authorize";
import type { AppEnv } from "../http/context";
import type { EventView } from "./event-store";

// What of an event a caller may see: the event itself when it may `workflow:read` its type, and of its
// decisions only those about workflows it may read, the same rule the SQL row rule applies to `_events`
// and `_event_decisions`. Each question is asked once per request, however many events a page holds.

export function eventVisibility(c: Context<AppEnv>) {
  const asked = new Map<string, Promise<boolean>>();
  const may = (type: "event" | "workflow", id: string) => {
    const key = `${type}:${id}`;
    let answer = asked.get(key);
    if (!answer) asked.set(key, (answer = permits(c, "workflow:read", { type, id })));
    return answer;
  };
  const decisionsOf = async (event: EventView): Promise<EventView> => {
    const workflows = [...new Set(event.decisions.map((d) => d.workflow))];
    const shown = new Set((await Promise.all(workflows.map(async (w) => ((await may("workflow", w)) ? w : null)))).filter((w) => w !== null));
    return { ...event, decisions: event.decisions.filter((d) => shown.has(d.workflow)), runs: event.runs.filter((r) => shown.has(r.workflow)) };
  };
  return {
    /** The event with only the decisions the caller may read (the caller may read the event). */
    one: decisionsOf,
    /** The events of a page the caller may read, each with only its readable decisions. */
    async page(events: readonly EventView[]): Promise<EventView[]> {
      const shown = await Promise.all(events.map((e) => may("event", e.type)));
      return Promise.all(events.filter((_, i) => shown[i]).map(decisionsOf));
    },
  };
}
