import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { deleteEventType, eventTypeJson, getEventType, listEventTypes, putEventType } from "../events/event-types";
import { DeletedEventTypeSchema, EventTypeListSchema, EventTypePathSchema, EventTypeSchema, PutEventTypeSchema } from "../events/schemas";
import { auditContext } from "../http/audit-context";
import { ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";

const tags = ["Events"];
const ACCESS = "Registering, changing and deleting take `event:define` (admins alone); reading takes `workflow:read` (every role).";
const eventResource = (type: string) => ({ type: "event", id: type });

export const eventTypeRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/event-types/{type}",
      tags,
      summary: "Register or change an event type (its JSON Schema)",
      description:
        "Every event of the type must then match the schema (400 with paths, nothing stored). A string field whose schema is an `enum` " +
        "is an **ordered level**: in filters, `<`, `<=`, `>`, `>=` between it and one of its values compare positions in the enum " +
        "(`severity >= 'high'` with `enum: [low, medium, high, critical]` holds for high and critical). Changing a type checks no saved " +
        "workflow again; their filters compile against the new schema from the next event on. Platform event types (`run.failed`, …) " +
        "are Switchyard's and cannot be registered. 201 on creation, 200 on change. " +
        ACCESS,
      request: { params: EventTypePathSchema, body: jsonBody(PutEventTypeSchema) },
      responses: {
        200: jsonResponse(EventTypeSchema, "The type as changed (or unchanged)."),
        201: jsonResponse(EventTypeSchema, "The type as registered."),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { type } = c.req.valid("param");
      const body = c.req.valid("json");
      await authorize(c, "event:define", eventResource(type));
      const { created, eventType } = await putEventType(c.env.DB, type, body, auditContext(c));
      return created ? c.json(eventType, 201) : c.json(eventType, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/event-types",
      tags,
      summary: "List event types (registered and platform), by name",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(EventTypeListSchema, "A page of event types."), ...errorResponses() },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      await authorize(c, "workflow:read", eventResource("*"));
      return c.json(await listEventTypes(c.env.DB, limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/event-types/{type}",
      tags,
      summary: "Get an event type",
      request: { params: EventTypePathSchema },
      responses: { 200: jsonResponse(EventTypeSchema, "The type."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { type } = c.req.valid("param");
      await authorize(c, "workflow:read", eventResource(type));
      return c.json(eventTypeJson(await getEventType(c.env.DB, type)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/event-types/{type}",
      tags,
      summary: "Delete an event type",
      description: "Its events are no longer checked, and filters on it compare as for a type that is not registered. " + ACCESS,
      request: { params: EventTypePathSchema },
      responses: { 200: jsonResponse(DeletedEventTypeSchema, "The type is gone."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { type } = c.req.valid("param");
      await authorize(c, "event:define", eventResource(type));
      await deleteEventType(c.env.DB, type, auditContext(c));
      return c.json({ type, deleted: true as const }, 200);
    },
  );
