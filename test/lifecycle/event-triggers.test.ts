import { describe, expect, it } from "vitest";
import { api, uniqueId } from "../helpers";
import { published, publish } from "../events/event-helpers";
import { type Decision, putTriggered, runsOf } from "./lifecycle-helpers";

// Event triggers are matched by the events module (src/events/): the same CEL filters with ordered levels,
// the same decisions, de-duplicated by event id. The trigger listing shows them beside the other kinds,
// read from that module's subscriptions and decisions.

interface Listed {
  index: number;
  type: string;
  trigger_id: string | null;
  state: Record<string, unknown> | null;
  last_decision: Decision | null;
  decisions: (Decision & { details: { event_id: string } })[];
}

const listing = async (name: string, decisions = 10): Promise<Listed[]> => (await api("GET", `/v1/workflows/${name}/triggers?decisions=${decisions}`)).body.items;

describe("event triggers in the trigger listing", () => {
  it("shows the events module's subscription and decisions: fired with the run, skipped with the filter's reason, a duplicate event adding nothing", async () => {
    const type = `${uniqueId("lc").replace(/[^a-z0-9]/g, "")}.loaded`;
    const triggers = `  - type: event\n    event_type: ${type}\n    filter: "source == 'sales_warehouse' && row_count > 0"\n  - type: event\n    event_type: ${type}\n    filter: "row_count > 100"\n`;
    const { name, res } = await putTriggered(triggers, { prefix: "evt" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const before = await listing(name);
    expect(before.map((t) => [t.type, t.trigger_id, t.state, t.decisions])).toEqual([
      ["event", `${name}:triggers[0]`, { subscribed: true }, []],
      ["event", `${name}:triggers[1]`, { subscribed: true }, []],
    ]);

    const loaded = await published({ type, source: "sales_warehouse", data: { row_count: 3 } });
    const empty = await published({ type, source: "sales_warehouse", data: { row_count: 0 } });
    // The same event again (its id given) is a duplicate: no second run, no second decision.
    const again = await publish({ type, event_id: loaded.event_id, source: "sales_warehouse", data: { row_count: 3 } });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ duplicate: true });

    const runs = await runsOf(name);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toMatchObject({ type: "event", event_id: loaded.event_id });

    const [first, second] = await listing(name);
    expect(first!.decisions.map((d) => [d.decision, d.run_id, d.details.event_id])).toEqual([
      ["skipped", null, empty.event_id],
      ["fired", runs[0]!.run_id, loaded.event_id],
    ]);
    expect(first!.last_decision).toEqual(first!.decisions[0]);
    expect(first!.decisions[0]!.reason).toMatch(/row_count/);
    expect(first!.decisions[1]!.reason).toMatch(/matched by triggers\[0\]/);
    // The second trigger saw both events and matched neither: its own reasons, no run.
    expect(second!.decisions.map((d) => [d.decision, d.run_id])).toEqual([
      ["skipped", null],
      ["skipped", null],
    ]);
    // The listing keeps `decisions` per trigger.
    expect((await listing(name, 1)).map((t) => t.decisions.length)).toEqual([1, 1]);

    // Deleting the workflow removes its subscription: a later event starts nothing.
    expect((await api("DELETE", `/v1/workflows/${name}?force=true`)).status).toBe(200);
    expect((await publish({ type, source: "sales_warehouse", data: { row_count: 5 } })).status).toBe(202);
    expect(await runsOf(name)).toHaveLength(1);
  });
});
