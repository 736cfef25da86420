import { createRoute } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { requireAgent } from "../agents/require-agent";
import type { Resource } from "../authz/actions";
import { authorize } from "../authz/authorize";
import { parseReference } from "../catalog/references";
import { resolveOne } from "../catalog/resolve";
import {
  AgentVersionListSchema,
  AgentVersionSchema,
  DeprecateVersionSchema,
  ListVersionsQuery,
  PublishVersionSchema,
  ResolveQuery,
  ResolvedReferenceSchema,
  VersionPathSchema,
  VersionsPathSchema,
} from "../catalog/schemas";
import { checkPublish, deprecateVersion, getVersion, listVersions, promoteVersion, publishVersion, versionJson } from "../catalog/versions";
import { database } from "../db/client";
import { auditContext } from "../http/audit-context";
import type { AppEnv } from "../http/context";
import { ApiError, invalidFromZod } from "../http/errors";
import { idempotent } from "../http/idempotency";
import { IdempotencyHeaders, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { router } from "../http/router";

const tags = ["Agent versions"];
const ACCESS =
  "An agent publishes, deprecates and promotes its own versions (`catalog:publish` on `catalog:<agent_id>`); another agent's " +
  "are an admin's to deprecate or promote (`catalog:manage`). Reading the catalog takes `workflow:read` on `catalog:<agent_id>`, " +
  "which every role has.";

const catalog = (agentId: string): Resource => ({ type: "catalog", id: agentId, owner: agentId });

/** Changing a version: its own agent with `catalog:publish`, anyone else with `catalog:manage` (admins). */
async function authorizeChange(c: Context<AppEnv>, agentId: string): Promise<void> {
  const own = c.get("principal").agentId === agentId;
  await authorize(c, own ? "catalog:publish" : "catalog:manage", catalog(agentId));
}

/** Everyone reads every agent's catalog: no owner, so no ownership rule applies. */
async function authorizeRead(c: Context<AppEnv>, agentId: string): Promise<void> {
  await authorize(c, "workflow:read", { type: "catalog", id: agentId });
  await requireAgent(c, agentId);
}

/**
 * `GET /v1/agents/{agent_id}/versions/resolve` is served by the `…/versions/{version}` route: a static
 * segment beside a parameter that has routes under it would make Hono fall back from its compiled
 * RegExpRouter to the slower trie for every request. It is documented on its own path all the same.
 */
const resolveRoute = createRoute({
  method: "get",
  path: "/v1/agents/{agent_id}/versions/resolve",
  tags,
  summary: "Resolve a version reference now",
  description:
    "`latest` is the promoted version if one is promoted and not deprecated, else the highest version that is neither deprecated " +
    "nor a pre-release; a range takes its highest non-deprecated match; an exact version is itself (deprecated or not: " +
    "`deprecated` says so, and new workflows may not pin it). 404 when nothing matches.",
  request: { params: VersionsPathSchema, query: ResolveQuery },
  responses: { 200: jsonResponse(ResolvedReferenceSchema, "The version the reference picks now."), ...errorResponses("not_found") },
});

/** Before the `{version}` route's own validation: "resolve" is no semver version, so it hides none. */
const servesResolve: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.param("version") !== "resolve") return next();
  const path = VersionsPathSchema.safeParse({ agent_id: c.req.param("agent_id") });
  if (!path.success) throw invalidFromZod(path.error, "path");
  return c.json(await resolveReference(c, path.data.agent_id), 200);
};

async function resolveReference(c: Context<AppEnv>, agentId: string) {
  const query = ResolveQuery.safeParse(c.req.query());
  if (!query.success) throw invalidFromZod(query.error, "query string");
  const { ref } = query.data;
  const reference = parseReference(ref);
  if (reference.kind === "invalid") throw new ApiError("invalid_request", `The reference ${reference.message}.`, [{ path: "ref", message: reference.message }]);
  await authorizeRead(c, agentId);
  const outcome = await resolveOne(database(c.env), agentId, ref);
  if ("message" in outcome) throw new ApiError("not_found", outcome.message);
  return outcome.resolved;
}

const routes = router();
routes.openAPIRegistry.registerPath(resolveRoute);

export const versionRoutes = routes
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/versions",
      tags,
      summary: "Publish a version of an agent",
      description:
        "`version` is semver 2.0 (`1.3.0`, `1.3.0-beta`); a published version is immutable, so publishing it again is 409. " +
        "`input_schema` and `output_schema` must be valid JSON Schemas; `endpoint` (where tasks are POSTed instead of the inbox) " +
        "an https URL to a public address. " +
        ACCESS,
      middleware: [idempotent] as const,
      request: { params: VersionsPathSchema, headers: IdempotencyHeaders, body: jsonBody(PublishVersionSchema) },
      responses: { 201: jsonResponse(AgentVersionSchema, "The version as published."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const input = c.req.valid("json");
      await authorize(c, "catalog:publish", catalog(agent_id));
      await requireAgent(c, agent_id);
      await checkPublish(input, c.env);
      return c.json(await publishVersion(database(c.env), agent_id, input, auditContext(c)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/versions",
      tags,
      summary: "List an agent's versions, highest first",
      description: "In semver order (pre-releases below their release), deprecated ones included. " + ACCESS,
      request: { params: VersionsPathSchema, query: ListVersionsQuery },
      responses: { 200: jsonResponse(AgentVersionListSchema, "A page of versions, highest first."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await authorizeRead(c, agent_id);
      return c.json(await listVersions(database(c.env), agent_id, limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/versions/{version}",
      tags,
      summary: "Get one version",
      middleware: [servesResolve] as const,
      request: { params: VersionPathSchema },
      responses: { 200: jsonResponse(AgentVersionSchema, "The version."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id, version } = c.req.valid("param");
      await authorizeRead(c, agent_id);
      return c.json(versionJson(await getVersion(database(c.env), agent_id, version)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/versions/{version}/deprecate",
      tags,
      summary: "Deprecate a version",
      description:
        "`latest` and ranges stop picking it and new or changed workflows may not pin it; workflow revisions and runs that already " +
        "pinned it keep it. Deprecating it again changes nothing. " +
        ACCESS,
      request: { params: VersionPathSchema, body: { ...jsonBody(DeprecateVersionSchema), required: false } },
      responses: { 200: jsonResponse(AgentVersionSchema, "The version, deprecated."), ...errorResponses("not_found") },
    }),
    async (c) => {
      const { agent_id, version } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      await authorizeChange(c, agent_id);
      const db = database(c.env);
      return c.json(await deprecateVersion(db, await getVersion(db, agent_id, version), reason, auditContext(c)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/versions/{version}/promote",
      tags,
      summary: "Promote a version: `latest` names it",
      description:
        "One version per agent is promoted; promoting another moves `latest` to it (a pre-release too). A deprecated version " +
        "cannot be promoted (409); deprecating the promoted version sends `latest` back to the highest current release. " +
        ACCESS,
      request: { params: VersionPathSchema },
      responses: { 200: jsonResponse(AgentVersionSchema, "The version, promoted."), ...errorResponses("not_found", "conflict") },
    }),
    async (c) => {
      const { agent_id, version } = c.req.valid("param");
      await authorizeChange(c, agent_id);
      const db = database(c.env);
      return c.json(await promoteVersion(db, await getVersion(db, agent_id, version), auditContext(c)), 200);
    },
  );
