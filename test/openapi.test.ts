import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

/** Every route of the foundation, as the contract names it. */
const FOUNDATION_ROUTES: Record<string, string[]> = {
  "/v1/agents": ["get", "post"],
  "/v1/agents/{agent_id}": ["delete", "get", "patch"],
  "/v1/agents/{agent_id}/keys": ["get", "post"],
  "/v1/agents/{agent_id}/keys/{key_id}": ["delete"],
  "/v1/whoami": ["get"],
  "/v1/state/{agent_id}": ["get"],
  "/v1/state/{agent_id}/{key}": ["delete", "get", "put"],
};

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>; securitySchemes?: Record<string, unknown> };
}

async function openApiDocument(): Promise<OpenApiDocument> {
  const res = await SELF.fetch("https://switchyard.test/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json();
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document served without a key", async () => {
    const doc = await openApiDocument();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
  });

  it("documents every foundation route with its methods", async () => {
    const doc = await openApiDocument();
    for (const [path, methods] of Object.entries(FOUNDATION_ROUTES)) {
      expect(doc.paths, path).toHaveProperty([path]);
      expect(Object.keys(doc.paths[path]!).sort(), path).toEqual(expect.arrayContaining(methods));
      for (const method of methods) expect(doc.paths[path]![method]!.summary, `${method} ${path}`).toBeTruthy();
    }
  });

  it("names each path parameter and the list query", async () => {
    const doc = await openApiDocument();
    for (const [path, methods] of Object.entries(FOUNDATION_ROUTES)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of methods) {
        const params = doc.paths[path]![method]!.parameters ?? [];
        for (const name of names) expect(params, `${method} ${path}`).toContainEqual(expect.objectContaining({ name, in: "path", required: true }));
      }
    }
    for (const path of ["/v1/agents", "/v1/state/{agent_id}"]) {
      const query = (doc.paths[path]!.get!.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      expect(query, path).toEqual(expect.arrayContaining(["limit", "cursor"]));
    }
    const idempotent = (doc.paths["/v1/agents"]!.post!.parameters ?? []).map((p) => p.name.toLowerCase());
    expect(idempotent).toContain("idempotency-key");
  });

  it("describes the request bodies and the contract's error responses", async () => {
    const doc = await openApiDocument();
    const createAgent = doc.paths["/v1/agents"]!.post!;
    expect(createAgent.requestBody!.content).toHaveProperty(["application/json"]);
    expect(Object.keys(createAgent.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "409"]));
    const putState = doc.paths["/v1/state/{agent_id}/{key}"]!.put!;
    expect(putState.requestBody!.content).toHaveProperty(["application/json"]);
    expect(Object.keys(putState.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "409", "413"]));
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.schemas.CreateAgent!.required).toEqual(["agent_id"]);
    expect(Object.keys(doc.components.schemas.StateEntry!.properties!)).toEqual(expect.arrayContaining(["agent_id", "key", "value", "version", "updated_at"]));
    // Free JSON (state values, attributes) is described by one recursive schema, not left out.
    expect(doc.components.schemas.PutState!.properties!.value).toEqual({ $ref: "#/components/schemas/JsonValue" });
    expect(doc.components.schemas.JsonValue).toBeDefined();
  });
});

/** The catalog's and workflow definitions' routes (api-v1-coordination.md, "Agent versions", "Workflows"). */
const CATALOG_AND_WORKFLOW_ROUTES: Record<string, string[]> = {
  "/v1/agents/{agent_id}/versions": ["get", "post"],
  "/v1/agents/{agent_id}/versions/resolve": ["get"],
  "/v1/agents/{agent_id}/versions/{version}": ["get"],
  "/v1/agents/{agent_id}/versions/{version}/deprecate": ["post"],
  "/v1/agents/{agent_id}/versions/{version}/promote": ["post"],
  "/v1/workflows": ["get"],
  "/v1/workflows/{name}": ["delete", "get", "put"],
  "/v1/workflows/{name}/revisions": ["get"],
  "/v1/workflows/{name}/rollback": ["post"],
};

describe("GET /openapi.json: the catalog and workflows", () => {
  it("documents every route with a summary, its path parameters and its error answers", async () => {
    const doc = await openApiDocument();
    for (const [path, methods] of Object.entries(CATALOG_AND_WORKFLOW_ROUTES)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual(expect.arrayContaining(methods));
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const method of methods) {
        const op = doc.paths[path]![method]!;
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        for (const name of names) expect(op.parameters ?? [], `${method} ${path}`).toContainEqual(expect.objectContaining({ name, in: "path", required: true }));
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["400", "401", "403"]));
      }
    }
    const publish = doc.paths["/v1/agents/{agent_id}/versions"]!.post!;
    expect((publish.parameters ?? []).map((p) => p.name.toLowerCase())).toContain("idempotency-key");
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(["201", "404", "409"]));
    expect(Object.keys(doc.components.schemas.AgentVersion!.properties!)).toEqual(
      expect.arrayContaining(["agent_id", "version", "description", "endpoint", "config", "input_schema", "output_schema", "tags", "guard_rails", "deprecated", "deprecated_at", "published_at", "published_by"]),
    );
  });

  it("describes a workflow PUT as YAML or JSON, the document's fields, and the answer's", async () => {
    const doc = await openApiDocument();
    const put = doc.paths["/v1/workflows/{name}"]!.put!;
    expect(Object.keys(put.requestBody!.content).sort()).toEqual(["application/json", "application/yaml"]);
    expect(put.requestBody!.content["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/WorkflowDocument" });
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(["200", "201", "400", "403", "409", "413"]));
    expect(Object.keys(doc.components.schemas.WorkflowDocument!.properties!).sort()).toEqual(["agents", "coordination", "defaults", "description", "guard_rails", "schemas", "triggers"]);
    expect(Object.keys(doc.components.schemas.Workflow!.properties!)).toEqual(
      expect.arrayContaining(["name", "revision", "description", "agents", "coordination", "triggers", "guard_rails", "defaults", "created_at", "updated_at", "warnings"]),
    );
    expect(doc.components.schemas.DefinitionIssue!.required).toEqual(["path", "line", "column", "message"]);
    const rollback = doc.paths["/v1/workflows/{name}/rollback"]!.post!;
    expect((rollback.parameters ?? []).map((p) => p.name.toLowerCase())).toContain("idempotency-key");
  });
});

describe("GET /docs", () => {
  it("is swagger-ui, served from the Worker's own assets without a key, reading /openapi.json", async () => {
    const res = await SELF.fetch("https://switchyard.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('href="/openapi.json"');
    // Every script and stylesheet is the deployment's own: nothing from a CDN.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.filter((s) => /^(https?:)?\/\//.test(s))).toEqual([]);
    for (const asset of sources.filter((s) => s.startsWith("/dashboard/"))) {
      const served = await SELF.fetch(`https://switchyard.test${asset}`);
      expect(served.status, asset).toBe(200);
      await served.body?.cancel();
    }
    expect((await (await SELF.fetch("https://switchyard.test/dashboard/docs.js")).text())).toContain('url: "/openapi.json"');
    const bundle = await SELF.fetch("https://switchyard.test/dashboard/vendor/swagger-ui/swagger-ui-bundle.js");
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    await bundle.body?.cancel();
  });
});

describe("GET /dashboard", () => {
  it("serves the dashboard's page and modules from the Worker's assets; API routes still win over any file", async () => {
    const redirect = await SELF.fetch("https://switchyard.test/dashboard", { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toMatch(/\/dashboard\/$/);
    const page = await SELF.fetch("https://switchyard.test/dashboard/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js">');
    for (const file of ["app.js", "style.css", "lib/graph.js", "pages/run.js", "vendor/cytoscape/cytoscape.esm.min.mjs"]) {
      const res = await SELF.fetch(`https://switchyard.test/dashboard/${file}`);
      expect(res.status, file).toBe(200);
      if (file.endsWith("js")) expect(res.headers.get("content-type"), file).toMatch(/javascript/);
      await res.body?.cancel();
    }
    const missing = await SELF.fetch("https://switchyard.test/dashboard/nope.js");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    // The asset directory's own paths are no routes of their own: /index.html is not served at the root.
    expect((await SELF.fetch("https://switchyard.test/index.html")).status).toBe(404);
    expect((await SELF.fetch("https://switchyard.test/v1/whoami")).status).toBe(401);
  });
});
