import type { OpenAPIHono } from "@hono/zod-openapi";
import type { OpenAPIObjectConfigure } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { mountAssets } from "./assets";
import { MAX_JSON_DEPTH } from "../http/json-depth";

export const OPENAPI_INFO: Extract<OpenAPIObjectConfigure<AppEnv, "/openapi.json">, { openapi: string }> = {
  openapi: "3.1.0",
  info: {
    title: "Switchyard API",
    version: "1.0.0",
    description:
      "The coordination data layer for teams of AI agents: shared memory, agent state, inboxes, branches, SQL, policies and audit. " +
      "Authenticate with `Authorization: Bearer <key>`. Errors are `{\"error\": {code, message, details}}`. " +
      `Request bodies are JSON (\`Content-Type: application/json\`) and may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep.`,
  },
  security: [{ bearer: [] }],
};

/** `/openapi.json` is generated from the same zod schemas the routes validate with; `/docs` (swagger-ui, from the Worker's assets) renders it. */
export function mountSystemRoutes(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", OPENAPI_INFO);
  mountAssets(app);
  app.get("/", (c) => c.json({ name: "switchyard", api: "/v1", openapi: "/openapi.json", docs: "/docs", dashboard: "/dashboard/" }));
  app.get("/health", (c) => c.json({ ok: true }));
}
