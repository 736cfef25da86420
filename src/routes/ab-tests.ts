import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AbTestIdPathSchema, AbTestListSchema, AbTestSchema, CreateAbTestSchema, ListAbTestsQuery, StopAbTestSchema } from "../ab/schemas";
import { parseAbTestBody } from "../ab/test-body";
import { type EndStatus, completeDueTests, currentTest, endTest } from "../ab/test-lifecycle";
import { createTest, listTests, requireTest } from "../ab/test-store";
import { abTestView } from "../ab/test-view";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";

const tags = ["A/B tests"];
const ACCESS = "Starting, stopping and promoting take `ab:manage` (admins only); every role reads tests (`workflow:read` on `ab:<ab_test_id>`).";

const abResource = (id: string) => ({ type: "ab", id });

/** The test, brought up to date (completed if its duration has passed), once the caller may read it. */
async function readableTest(c: Context<AppEnv>, id: string) {
  await authorize(c, "workflow:read", abResource(id));
  const db = database(c.env);
  return currentTest(db, await requireTest(db, id));
}

/** Ends a running test as `status` for the caller; 409 when it has ended already. */
async function endByCaller(c: Context<AppEnv>, id: string, status: Extract<EndStatus, "stopped" | "promoted">, reason: string) {
  await authorize(c, "ab:manage", abResource(id));
  const db = database(c.env);
  const stored = await currentTest(db, await requireTest(db, id));
  if (stored.test.status !== "running") throw new ApiError("conflict", `A/B test '${id}' has already ended (${stored.test.status}); only a running test can be stopped or promoted.`, { status: stored.test.status });
  const outcome = await endTest(db, stored.test, status, auditContext(c), reason);
  if (!outcome.ended) throw new ApiError("conflict", `A/B test '${id}' ended meanwhile (${outcome.test.test.status}).`, { status: outcome.test.test.status });
  return abTestView(outcome.test);
}

const routes = router();
routes.openAPIRegistry.register("CreateAbTest", CreateAbTestSchema);

export const abTestRoutes = routes
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/ab-tests",
      tags,
      summary: "Start an A/B test of two versions of an agent",
      description:
        "While the test runs, each run that resolves the agent's `latest` goes to version a or b by a stable hash of the run id " +
        "against `traffic_split` (pinned versions and ranges are never touched); its tasks carry `ab: {ab_test_id, arm}`. The body " +
        "is JSON, or YAML (`Content-Type: application/yaml`) such as the seed's `ab_test:` block. Both versions must be published " +
        "and not deprecated; the split must sum to 100; metrics are success_rate, avg_duration_ms, avg_token_usage, quality_score. " +
        "One running test per agent: a second is 409, and nothing is stored for any refusal. " +
        ACCESS,
      middleware: [idempotent] as const,
      request: {
        headers: IdempotencyHeaders,
        body: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/CreateAbTest" } },
            "application/yaml": { schema: { type: "string", description: "The same fields in YAML, at the top level or under `ab_test:`." } },
          },
        },
      },
      responses: { 201: jsonResponse(AbTestSchema, "The test, running."), ...errorResponses("conflict", "payload_too_large") },
    }),
    async (c) => {
      await authorize(c, "ab:manage", abResource("*"));
      // Read as bytes: workerd warns when .text() reads a body whose type (YAML) it does not know as text.
      const spec = parseAbTestBody(new TextDecoder().decode(await c.req.arrayBuffer()), c.req.header("content-type"));
      const db = database(c.env);
      // A test of this agent past its duration is completed first, so it does not block the new one.
      await completeDueTests(db, Date.now(), spec.agent);
      return c.json(abTestView(await createTest(db, spec, auditContext(c))), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/ab-tests",
      tags,
      summary: "List A/B tests, newest first",
      description: "Each with its arms and verdict, as `GET /v1/ab-tests/{ab_test_id}` shows it. Filter by `agent` and `status`. " + ACCESS,
      request: { query: ListAbTestsQuery },
      responses: { 200: jsonResponse(AbTestListSchema, "A page of tests.") },
    }),
    async (c) => {
      const { agent, status, limit, cursor } = c.req.valid("query");
      await authorize(c, "workflow:read", abResource("*"));
      const db = database(c.env);
      await completeDueTests(db, Date.now(), agent);
      const listed = await listTests(db, { agent, status, limit, cursor });
      return c.json({ items: listed.items.map(abTestView), next_cursor: listed.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/ab-tests/{ab_test_id}",
      tags,
      summary: "Read an A/B test: both arms, each metric's verdict, the sample-ratio check and the recommendation",
      description:
        "Computed from each arm's aggregates, kept as runs are assigned and tasks finish or are rated: reading costs the same after " +
        "ten tasks or ten million. No verdict before `min_samples` finished tasks per arm, nor while the sample-ratio check fails. " +
        "See docs/ab-tests.md for every formula. " +
        ACCESS,
      request: { params: AbTestIdPathSchema },
      responses: { 200: jsonResponse(AbTestSchema, "The test."), ...errorResponses("not_found") },
    }),
    async (c) => c.json(abTestView(await readableTest(c, c.req.valid("param").ab_test_id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/ab-tests/{ab_test_id}/stop",
      tags,
      summary: "Stop a running A/B test: later runs go to version a",
      description:
        "The test ends as `stopped`. Runs that resolve `latest` go to a from now on: when the catalog's `latest` would pick another " +
        "version, a is promoted (audited). Runs already started keep the version they pinned. 409 when the test has ended. " +
        ACCESS,
      request: { params: AbTestIdPathSchema, body: { ...jsonBody(StopAbTestSchema), required: false } },
      responses: { 200: jsonResponse(AbTestSchema, "The test, stopped."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { ab_test_id } = c.req.valid("param");
      const reason = c.req.header("content-type") ? c.req.valid("json").reason : undefined;
      return c.json(await endByCaller(c, ab_test_id, "stopped", reason ?? `stopped by ${c.get("principal").agentId}`), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/ab-tests/{ab_test_id}/promote",
      tags,
      summary: "Promote version b and end the A/B test",
      description:
        "b's version is promoted in the catalog (`latest` names it) and the test ends as `promoted`, in one step. 409 when the test " +
        "has ended or b has been deprecated since. " +
        ACCESS,
      request: { params: AbTestIdPathSchema },
      responses: { 200: jsonResponse(AbTestSchema, "The test, promoted."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { ab_test_id } = c.req.valid("param");
      return c.json(await endByCaller(c, ab_test_id, "promoted", `b promoted by ${c.get("principal").agentId}`), 200);
    },
  );
