import { createRoute } from "@hono/zod-openapi";
import { authorize } from "../authz/authorize";
import { database } from "../db/client";
import { loadDeploymentGuardRails, putDeploymentGuardRails } from "../guard-rails/deployment-rules";
import { DeploymentGuardRailsSchema, PutDeploymentGuardRailsSchema, deploymentJson, rulesOfPut } from "../guard-rails/schemas";
import { auditContext } from "../http/audit-context";
import { errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";

const tags = ["Guard rails"];

const SEMANTICS =
  "They hold on every path an agent writes through: memories (content and metadata), agent state, inbox messages, branch rows and " +
  "SQL writes, run inputs, task outputs, run messages and run state. `pii.mode: redact` stores each finding as `[REDACTED:<kind>]`; " +
  "`reject` refuses the write with 422 `guard_rail` (details: rule, path, kind; never the PII). `requests_per_minute` holds for every " +
  "agent key (429 `rate_limited` with `Retry-After`), not for the admin token. A workflow's and an agent version's own guard rails add " +
  "to these inside their runs: the strictest wins. Every violation is a row of `_guard_rail_violations` and an audit row.";

export const guardRailRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/guard-rails",
      tags,
      summary: "The deployment's guard rails",
      description: `Any caller may read them: agents are held to them. ${SEMANTICS}`,
      responses: { 200: jsonResponse(DeploymentGuardRailsSchema, "Every rule, null where not set."), ...errorResponses() },
    }),
    async (c) => c.json(deploymentJson(await loadDeploymentGuardRails(database(c.env))), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/guard-rails",
      tags,
      summary: "Set the deployment's guard rails (admin)",
      description:
        "Replaces the whole set: a rule left out (or null) is no longer set, `{}` clears them all. Every Worker applies the new rules from " +
        `its very next request. ${SEMANTICS}`,
      request: { body: jsonBody(PutDeploymentGuardRailsSchema) },
      responses: { 200: jsonResponse(DeploymentGuardRailsSchema, "The rules now in force."), ...errorResponses() },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await authorize(c, "guard_rail:manage", { type: "guard_rail", id: "deployment" });
      return c.json(deploymentJson(await putDeploymentGuardRails(database(c.env), rulesOfPut(body), auditContext(c))), 200);
    },
  );
