import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JsonValue } from "../../durable-objects/agent/inbox-types";
import { requireAgent } from "../agents/require-agent";
import { auditInsert } from "../audit/audit-log";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { guardWrite } from "../guard-rails/request-guard";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { decodeIntegerCursor, encodeCursor } from "../lib/cursor";
import { sendMessages } from "../inbox/send-message";
import {
  AckResultSchema,
  AckSchema,
  ConnectQuerySchema,
  InboxHistorySchema,
  InboxItemsSchema,
  InboxPathSchema,
  MAX_BATCH_MESSAGES,
  MessageBatchSchema,
  MessageItemSchema,
  PollQuerySchema,
  SendMessageBatchSchema,
  SendMessageSchema,
} from "../inbox/schemas";
import { inboxObject } from "../inbox/inbox-object";

const tags = ["Agent inbox"];
const inboxResource = (agentId: string) => ({ type: "inbox", id: agentId, owner: agentId });

/** Only the agent itself (or an admin) reads its inbox: `inbox:read` on `inbox:<agent_id>`, owned by the agent. */
async function authorizeReader(c: Context<AppEnv>, agentId: string) {
  await authorize(c, "inbox:read", inboxResource(agentId));
  await requireAgent(c, agentId);
}

/** A history page's cursor is the delivery position of the last item it returned. */
const historyPosition = (cursor: string | undefined) => decodeIntegerCursor(cursor, 1);

export const inboxRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/inbox/{agent_id}",
      tags,
      summary: "Poll the inbox: the oldest items first",
      description:
        "Without `lease_seconds` the items returned are delivered (moved to history) and never returned again. With it they are leased: " +
        "ack them (`POST …/ack`) or they come back once the lease runs out. With `wait_seconds` and nothing to return, the request is held " +
        "until an item arrives or the wait ends (then `items` is empty). While WebSocket connections are open, new items go to them first.",
      request: { params: InboxPathSchema, query: PollQuerySchema },
      responses: { 200: jsonResponse(InboxItemsSchema, "The items, oldest first."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { limit, wait_seconds, lease_seconds, kind } = c.req.valid("query");
      await authorizeReader(c, agent_id);
      const items = await inboxObject(c.env, agent_id).poll({ limit, wait_seconds, lease_seconds, kind });
      return c.json({ items: items }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/inbox/{agent_id}/ack",
      tags,
      summary: "Ack leased items: they are delivered",
      description: "A lease that ran out may still be acked until a later poll hands the item out again. Ids that are no leased item of this inbox are reported in `unknown`.",
      request: { params: InboxPathSchema, body: jsonBody(AckSchema) },
      responses: { 200: jsonResponse(AckResultSchema, "Which ids were acked and which are unknown."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { item_ids } = c.req.valid("json");
      await authorizeReader(c, agent_id);
      const result = await inboxObject(c.env, agent_id).ack(item_ids);
      if (result.acked.length > 0)
        await auditInsert(database(c.env), { ...auditContext(c), action: "inbox:ack", resource: `inbox:${agent_id}`, status: "success", details: { item_ids: result.acked } });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/inbox/{agent_id}/messages",
      tags,
      summary: "Send a direct message to an agent",
      description:
        "Any agent may message any agent (`inbox:send` on `inbox:<agent_id>`), unless a policy says otherwise. The stored item (its `body` " +
        "with `from_agent_id` and `type`) is at most 64 KiB of JSON (413 above that); an inbox holding 10,000 undelivered items refuses more with 429.",
      middleware: [idempotent] as const,
      request: { params: InboxPathSchema, headers: IdempotencyHeaders, body: jsonBody(SendMessageSchema) },
      responses: { 201: jsonResponse(MessageItemSchema, "The message as delivered into the inbox."), ...errorResponses("not_found", "payload_too_large", "guard_rail", "rate_limited") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { type } = c.req.valid("json");
      // The body as parsed, not as zod rebuilt it: validation drops an own `__proto__` key, and a body is delivered exactly as sent.
      const { body: sent } = (await c.req.json()) as { body: JsonValue };
      await authorize(c, "inbox:send", inboxResource(agent_id));
      const [body] = await guardWrite(c, { action: "inbox:send", resource: `inbox:${agent_id}`, what: "The message" }, [{ value: sent, at: "body", message: true }]);
      const [item] = await sendMessages(c.env, agent_id, [{ type: type ?? "message", body: body! }], auditContext(c), false);
      return c.json(item!, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/inbox/{agent_id}/messages/batch",
      tags,
      summary: `Send up to ${MAX_BATCH_MESSAGES} direct messages at once, in order, all or none`,
      description:
        "For senders with many messages for one agent: one request, one transaction, the messages stored in the order sent and each " +
        "audited as a single send is. Authorised as a single send (`inbox:send` on `inbox:<agent_id>`). Nothing is stored if any message is " +
        "invalid (400 naming `messages.<i>`), over 64 KiB of JSON (413, `details.index` says which), or if the inbox has no room for all of " +
        "them (429: it holds at most 10,000 undelivered items).",
      middleware: [idempotent] as const,
      request: { params: InboxPathSchema, headers: IdempotencyHeaders, body: jsonBody(SendMessageBatchSchema) },
      responses: { 201: jsonResponse(MessageBatchSchema, "The messages as delivered, in the order sent."), ...errorResponses("not_found", "payload_too_large", "guard_rail", "rate_limited") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { messages } = c.req.valid("json");
      // The bodies as parsed, not as zod rebuilt them (see the single send).
      const raw = (await c.req.json()) as { messages: { body: JsonValue }[] };
      await authorize(c, "inbox:send", inboxResource(agent_id));
      const bodies = await guardWrite(
        c,
        { action: "inbox:send", resource: `inbox:${agent_id}`, what: "A message of the batch" },
        raw.messages.map((m, i) => ({ value: m.body, at: `messages[${i}].body`, message: true })),
      );
      const outgoing = messages.map((m, i) => ({ type: m.type ?? "message", body: bodies[i]! }));
      const items = await sendMessages(c.env, agent_id, outgoing, auditContext(c), true);
      return c.json({ items }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/inbox/{agent_id}/history",
      tags,
      summary: "Delivered items, most recently delivered first",
      description: "The inbox keeps its newest 1,000 delivered items; older ones are dropped as new ones are delivered.",
      request: { params: InboxPathSchema, query: ListQuery },
      responses: { 200: jsonResponse(InboxHistorySchema, "A page of delivered items."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const before = historyPosition(cursor);
      await authorizeReader(c, agent_id);
      const result = await inboxObject(c.env, agent_id).history(limit, before);
      return c.json({ items: result.items, next_cursor: result.next_after === null ? null : encodeCursor(result.next_after) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/inbox/{agent_id}/connect",
      tags,
      summary: "WebSocket: items pushed as they arrive",
      description:
        "Upgrade with `Upgrade: websocket`. Authenticate with the usual headers or, from a browser, by offering the subprotocols " +
        "`switchyard` and `switchyard.key.<key>` (the server answers `switchyard`), or with `?api_key=`. The server sends " +
        '`{"type":"items","items":[…],"more":bool}` frames, oldest first: the waiting backlog at once, then each item as it arrives; after ' +
        'a frame with `more: true`, send `{"type":"pull"}` for the next. Without `lease_seconds` a pushed item is delivered; with it, it is ' +
        'leased: ack it with `{"type":"ack","item_ids":[…]}` (answered by `{"type":"acked",…}`) or over HTTP, or it is pushed again once the ' +
        'lease runs out. `{"type":"ping"}` is answered with `{"type":"pong"}`. Every open connection of the agent receives every pushed item.',
      request: { params: InboxPathSchema, query: ConnectQuerySchema },
      responses: { 101: { description: "Switching to the WebSocket protocol." }, ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { lease_seconds } = c.req.valid("query");
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
        throw new ApiError("invalid_request", "This route speaks WebSocket: send `Upgrade: websocket` (a WebSocket client does).", [
          { path: "Upgrade", message: "must be websocket" },
        ]);
      await authorizeReader(c, agent_id);
      const target = new URL("https://agent.internal/connect");
      target.searchParams.set("agent_id", agent_id);
      target.searchParams.set("by", c.get("principal").agentId);
      if (lease_seconds !== undefined) target.searchParams.set("lease_seconds", String(lease_seconds));
      const upgraded = await inboxObject(c.env, agent_id).fetch(new Request(target, { headers: c.req.raw.headers }));
      // A fetched response's headers are immutable; the app's middleware stamps X-Request-Id on the way out.
      return new Response(null, { status: upgraded.status, webSocket: upgraded.webSocket, headers: new Headers(upgraded.headers) });
    },
  );
