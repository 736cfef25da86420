import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { getEvent, listEvents } from "../events/event-store";
import { publishEvent } from "../events/publish";
import { eventVisibility } from "../events/visible-events";
import { EventIdPathSchema, EventListQuerySchema, EventListSchema, EventSchema, type PublishEvent, PublishEventSchema, PublishedSchema } from "../events/schemas";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";

const tags = ["Events"];
const eventResource = (type: string) => ({ type: "event", id: type });

export const eventRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/events",
      tags,
      summary: "Publish an event",
      description:
        "The event is checked against its type's registered schema (400 with paths, nothing stored), matched against every workflow " +
        "subscribed to its type (event-driven entries and event triggers, their CEL filters), stored with a decision per workflow, and " +
        "each workflow that matched starts one run; their tasks are in the agents' inboxes when this answers. The same `event_id` " +
        "within EVENT_DEDUPE_SECONDS (default 86400) starts nothing new and answers the first event's runs with `duplicate: true`. " +
        "Takes `event:publish` on `event:<type>` (agents and admins; readers do not publish). The same JSON sent to the " +
        "`switchyard-events` queue by any Queues producer is handled the same way. An `Idempotency-Key` is honoured too (a retry " +
        "of a publish without `event_id` then answers the first publish).",
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(PublishEventSchema) },
      responses: { 202: jsonResponse(PublishedSchema, "Accepted: the runs it started (or, for a duplicate, the first event's)."), ...errorResponses("payload_too_large") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      // `data` as parsed, not as zod rebuilt it: validation copies objects key by key, which drops an own
      // `__proto__` key, and an event is stored exactly as sent.
      const { data } = (await c.req.json()) as { data: PublishEvent["data"] };
      await authorize(c, "event:publish", eventResource(body.type));
      const principal = c.get("principal");
      const published = await publishEvent(c.env, { ...body, data }, {
        publisher: "http",
        publishedBy: principal.agentId,
        requestId: c.get("requestId"),
        ...(principal.eventRoutingVersion === undefined ? {} : { routingVersion: principal.eventRoutingVersion }),
        ...(principal.catalogVersion === undefined ? {} : { catalogVersion: principal.catalogVersion }),
        ...(principal.guardRailsVersion === undefined ? {} : { guardRailsVersion: principal.guardRailsVersion }),
      });
      return c.json(published, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/events",
      tags,
      summary: "List events, newest first, each with its decisions",
      description:
        "Every event received (by the API, the queue or Switchyard itself), rejected queue messages included, each with one decision per " +
        "workflow subscribed to its type: matched or not, why (each entry and trigger, its filter, what it saw), and the run started. " +
        "Filter by `type` and `since` (received at or after). Takes `workflow:read` (every role); events of a type, and decisions and runs of a workflow, " +
        "that the caller may not `workflow:read` are left out, as they are from `_events` and `_event_decisions` in SQL.",
      request: { query: EventListQuerySchema },
      responses: { 200: jsonResponse(EventListSchema, "A page of events."), ...errorResponses() },
    }),
    async (c) => {
      const query = c.req.valid("query");
      await authorize(c, "workflow:read", eventResource(query.type ?? "*"));
      const page = await listEvents(c.env.DB, query);
      return c.json({ ...page, items: await eventVisibility(c).page(page.items) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/events/{event_id}",
      tags,
      summary: "Get an event with its decisions: why each subscribed workflow did or did not run",
      request: { params: EventIdPathSchema },
      responses: { 200: jsonResponse(EventSchema, "The event."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const event = await getEvent(c.env.DB, c.req.valid("param").event_id);
      await authorize(c, "workflow:read", eventResource(event.type));
      return c.json(await eventVisibility(c).one(event), 200);
    },
  );
