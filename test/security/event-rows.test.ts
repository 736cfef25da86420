import { describe, expect, it } from "vitest";
import { api, expectError, newAgent, uniqueId } from "../helpers";
import { defined, published } from "../events/event-helpers";
import { query, valuesOf } from "./helpers";

// Events and their decisions follow the row rule: a caller denied `workflow:read` on a workflow sees none
// of its decisions or runs, and one denied it on an event type sees none of its events, through REST or SQL.
describe("event rows under workflow:read denies", () => {
  it("hides a denied workflow's decisions and runs, and a denied type's events, in REST and SQL alike", async () => {
    const agent = await newAgent();
    await api("POST", `/v1/agents/${agent.agentId}/versions`, { body: { version: "1.0.0" } });
    const type = uniqueId("shared.type");
    const hiddenType = uniqueId("hidden.type");
    const secret = uniqueId("secret-wf");
    const open = uniqueId("open-wf");
    for (const name of [secret, open]) await defined(name, `coordination:\n  pattern: event-driven\n  events: [{type: ${type}, agents: [${agent.agentId}]}]\n`);
    const shared = await published({ type, data: { n: 1 } });
    const hidden = await published({ type: hiddenType, data: { n: 2 } });
    expect(shared.runs.map((r) => r.workflow).sort()).toEqual([open, secret].sort());

    const reader = await newAgent();
    for (const [id, resources] of [[uniqueId("deny-wf"), [`workflow:${secret}`]], [uniqueId("deny-type"), [`event:${hiddenType}`]]] as const) {
      const res = await api("POST", "/v1/policies", { body: { policy_id: id, effect: "deny", actions: ["workflow:read"], resources, principals: [reader.agentId] } });
      expect(res.status).toBe(201);
    }

    // REST: the event shows the open workflow's decision and run only; the hidden type's event is refused or left out.
    const got = (await api("GET", `/v1/events/${shared.event_id}`, { key: reader.key })).body;
    expect(got.decisions.map((d: { workflow: string }) => d.workflow)).toEqual([open]);
    expect(got.runs.map((r: { workflow: string }) => r.workflow)).toEqual([open]);
    expectError(await api("GET", `/v1/events/${hidden.event_id}`, { key: reader.key }), 403, "forbidden");
    const listed = (await api("GET", "/v1/events?limit=100", { key: reader.key })).body.items as { event_id: string; decisions: { workflow: string }[] }[];
    expect(listed.map((e) => e.event_id)).toContain(shared.event_id);
    expect(listed.map((e) => e.event_id)).not.toContain(hidden.event_id);
    expect(listed.find((e) => e.event_id === shared.event_id)!.decisions.map((d) => d.workflow)).toEqual([open]);

    // SQL: the same rows, through a plain read and a join.
    expect(valuesOf(await query("SELECT workflow FROM _event_decisions WHERE event_id = ?", { key: reader.key, params: [shared.event_id] }), "workflow")).toEqual([open]);
    expect(valuesOf(await query("SELECT event_id FROM _events WHERE event_id IN (?, ?)", { key: reader.key, params: [shared.event_id, hidden.event_id] }), "event_id")).toEqual([shared.event_id]);
    const joined = await query("SELECT d.workflow FROM _events e JOIN _event_decisions d ON d.event_id = e.event_id WHERE e.event_id = ?", { key: reader.key, params: [shared.event_id] });
    expect(valuesOf(joined, "workflow")).toEqual([open]);
    // The admin sees everything.
    expect(valuesOf(await query("SELECT workflow FROM _event_decisions WHERE event_id = ?", { params: [shared.event_id] }), "workflow")).toEqual([open, secret].sort());
  });
});
