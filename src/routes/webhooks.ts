import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { errorResponses, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { DeliveryListQuerySchema, DeliveryListSchema, DeliverySchema } from "../triggers/schemas";
import { listDeliveries, replayDelivery } from "../triggers/webhooks/deliveries";

const tags = ["Semantic triggers"];

export const webhookRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/deliveries",
      tags,
      summary: "List webhook deliveries, newest first",
      description: "Filter by `status` (`pending`, `failed`, `succeeded`, `dead`) or `trigger_id`. Needs `trigger:manage` on `trigger:*`.",
      request: { query: DeliveryListQuerySchema },
      responses: { 200: jsonResponse(DeliveryListSchema, "A page of deliveries."), ...errorResponses() },
    }),
    async (c) => {
      await authorize(c, "trigger:manage", { type: "trigger", id: "*" });
      return c.json(await listDeliveries(database(c.env), c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/deliveries/{delivery_id}/replay",
      tags,
      summary: "Send a webhook delivery again (typically a dead one)",
      description: "Same body and event id, a new signature and timestamp, a fresh round of retries. 409 while it is still queued (`pending` or `failed`).",
      request: { params: z.object({ delivery_id: z.string().min(1).max(64) }) },
      responses: { 200: jsonResponse(DeliverySchema, "The delivery, queued again."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { delivery_id } = c.req.valid("param");
      await authorize(c, "trigger:manage", { type: "trigger", id: "*" });
      return c.json(await replayDelivery(database(c.env), c.env.DELIVERIES, delivery_id, auditContext(c)), 200);
    },
  );
