import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { ADMIN_PRINCIPAL, isAdminToken } from "../authz/principal";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { errorResponses, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { DeliveryListQuerySchema, DeliveryListSchema, DeliverySchema } from "../triggers/schemas";
import { findDelivery, listDeliveries, replayDelivery } from "../triggers/webhooks/deliveries";

const tags = ["Semantic triggers"];
const OWNERSHIP =
  "An agent sees and replays only the deliveries of its own triggers (admins: all). URLs are shown without their query string and " +
  "fragment, where receivers often keep a token.";

export const webhookRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/deliveries",
      tags,
      summary: "List webhook deliveries, newest first",
      description: `Filter by \`status\` (\`pending\`, \`failed\`, \`succeeded\`, \`dead\`) or \`trigger_id\`. Needs \`trigger:manage\` on \`trigger:*\`. ${OWNERSHIP}`,
      request: { query: DeliveryListQuerySchema },
      responses: { 200: jsonResponse(DeliveryListSchema, "A page of deliveries."), ...errorResponses() },
    }),
    async (c) => {
      await authorize(c, "trigger:manage", { type: "trigger", id: "*" });
      const principal = c.get("principal");
      const owner = isAdminToken(principal) || principal.role === "admin" ? undefined : principal.agentId;
      return c.json(await listDeliveries(database(c.env), c.req.valid("query"), owner), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/deliveries/{delivery_id}/replay",
      tags,
      summary: "Send a webhook delivery again (typically a dead one)",
      description:
        "Same body and event id, a new signature and timestamp, a fresh round of retries. 409 while it is still queued (`pending` or `failed`). " +
        `Needs \`trigger:manage\` on the delivery's trigger as its creator would (the ownership rule of PATCH and DELETE). ${OWNERSHIP}`,
      request: { params: z.object({ delivery_id: z.string().min(1).max(64) }) },
      responses: { 200: jsonResponse(DeliverySchema, "The delivery, queued again."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { delivery_id } = c.req.valid("param");
      const db = database(c.env);
      const delivery = await findDelivery(db, delivery_id);
      // A delivery whose trigger predates the owner column and is gone belongs to no agent: admins only.
      const owner = delivery.createdBy ?? ADMIN_PRINCIPAL.agentId;
      await authorize(c, "trigger:manage", { type: "trigger", id: delivery.triggerId, owner });
      return c.json(await replayDelivery(db, c.env.DELIVERIES, delivery, auditContext(c)), 200);
    },
  );
