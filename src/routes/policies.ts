import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, ListQuery, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";
import { createPolicy, deletePolicy, getPolicy, listPolicies } from "../policy/policy-store";
import { CreatePolicySchema, DeletedPolicySchema, PolicyListSchema, PolicyPathSchema, PolicySchema } from "../policy/schemas";

const tags = ["Policies"];
const policyResource = (policyId: string) => ({ type: "policy", id: policyId });
const everyPolicy = policyResource("*");

const SEMANTICS =
  "A matching deny wins over any allow; where no policy matches, the role defaults apply. An allow can share what " +
  "another agent owns, but never lets a reader write nor grants agent:manage or policy:manage. A deny whose condition " +
  "fails to evaluate applies (fails closed); such an allow does not. The admin token is not subject to policies.";

export const policyRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/policies",
      tags,
      summary: "Create a policy (admin)",
      description: `${SEMANTICS} A policy takes effect on the next request of every caller.`,
      middleware: [idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreatePolicySchema) },
      responses: { 201: jsonResponse(PolicySchema, "The policy."), ...errorResponses("conflict") },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await authorize(c, "policy:manage", input.policy_id === undefined ? everyPolicy : policyResource(input.policy_id));
      return c.json(await createPolicy(database(c.env), input, auditContext(c)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/policies",
      tags,
      summary: "List policies (admin)",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(PolicyListSchema, "A page of policies, by policy_id."), ...errorResponses() },
    }),
    async (c) => {
      await authorize(c, "policy:manage", everyPolicy);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await listPolicies(database(c.env), limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/policies/{policy_id}",
      tags,
      summary: "Get a policy (admin)",
      request: { params: PolicyPathSchema },
      responses: { 200: jsonResponse(PolicySchema, "The policy."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { policy_id } = c.req.valid("param");
      await authorize(c, "policy:manage", policyResource(policy_id));
      return c.json(await getPolicy(database(c.env), policy_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/policies/{policy_id}",
      tags,
      summary: "Delete a policy (admin); callers are decided without it from their next request",
      request: { params: PolicyPathSchema },
      responses: { 200: jsonResponse(DeletedPolicySchema, "The policy is gone."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { policy_id } = c.req.valid("param");
      await authorize(c, "policy:manage", policyResource(policy_id));
      await deletePolicy(database(c.env), policy_id, auditContext(c));
      return c.json({ policy_id, deleted: true as const }, 200);
    },
  );
