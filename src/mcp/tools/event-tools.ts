import { z } from "zod";
import { NAME_PATTERN } from "../../http/openapi";
import { ADDS, defineTool } from "../tool";

// Events over MCP: the tool is POST /v1/events made in-process as the caller, so the route's
// `event:publish` check (and the denial it records), the type's registered schema, the dedupe by
// `event_id` and the run starts are the REST route's own.

export const publishEvent = defineTool({
  name: "publish_event",
  title: "Publish an event",
  description:
    "Tell Switchyard that something happened (data.loaded, anomaly.detected, order.placed…): every workflow subscribed to the event's type whose " +
    "filter matches starts one run, and its agents have their tasks in their inboxes when this returns. If the type has a registered JSON Schema, " +
    "data must match it, otherwise an error result with code invalid_request lists each offending path and nothing is stored. Give event_id (your own " +
    "id for the occurrence, e.g. an order number) to make retries safe: the same event_id again within the dedupe window (a day by default) starts " +
    "nothing and answers the first event's runs with duplicate: true. Types Switchyard publishes itself (run.started, memory.stored…) and the source " +
    '"switchyard" are reserved. Returns {event_id, duplicate, runs: [{run_id, workflow}]}; runs is empty when no workflow matched (GET ' +
    "/v1/events/{event_id} says why for each subscribed workflow); follow a run with get_run.",
  input: z.strictObject({
    type: z
      .string()
      .regex(NAME_PATTERN, "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)")
      .describe("The event type, e.g. data.loaded: workflows subscribe by type."),
    data: z.json().describe("The payload (any JSON, usually an object): its fields are what workflow filters test, e.g. {table: 'orders', rows: 1200}."),
    source: z.string().min(1).max(200).optional().describe("Who or what the event comes from, e.g. sales_warehouse (filters may test `source`)."),
    event_id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}$/, "must be 1-200 characters: letters, digits and . _ : @ + = - (starting with a letter or digit)")
      .optional()
      .describe("Your id for this occurrence; the same id again is recognised as a duplicate. Default: a new evt_… id."),
    time: z.iso.datetime({ offset: true }).optional().describe("When it happened (ISO-8601, e.g. 2026-11-21T10:30:00Z); default: when it is received."),
  }),
  // Without event_id every call publishes a new event (and may start new runs); with it a repeat starts nothing.
  annotations: ADDS,
  run: (event, { rest }) => rest.post("/v1/events", { body: event }),
});

export const EVENT_TOOLS = [publishEvent];
