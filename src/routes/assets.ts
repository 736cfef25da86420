import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";

// The dashboard (/dashboard) and the API reference (/docs): static files in dashboard/, served from the
// Worker's own assets (the ASSETS binding; wrangler.toml runs the Worker first for every path, so the API's
// routes always win). Nothing is loaded from elsewhere, and the pages may load nothing from elsewhere: a
// strict Content-Security-Policy says so to the browser. The dashboard holds no secret: the API key a
// person pastes stays in their tab (sessionStorage) and goes to the API as a bearer header.

const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // swagger-ui and cytoscape set element styles from script; no style or script comes from elsewhere.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

async function serveAsset(c: Context<AppEnv>, path: string): Promise<Response> {
  const url = new URL(c.req.url);
  url.pathname = path;
  url.search = "";
  const asset = await c.env.ASSETS.fetch(new Request(url, { method: "GET", headers: { accept: c.req.header("accept") ?? "*/*" } }));
  if (asset.status === 404) throw new ApiError("not_found", `No such file: ${c.req.path}.`);
  const res = new Response(asset.body, asset);
  res.headers.set("content-security-policy", POLICY);
  res.headers.set("x-content-type-options", "nosniff");
  res.headers.set("referrer-policy", "no-referrer");
  // The pages change with each deployment; the libraries are versioned by the lock file.
  if (path.endsWith(".html")) res.headers.set("cache-control", "no-cache");
  return res;
}

export function mountAssets(app: OpenAPIHono<AppEnv>) {
  app.get("/dashboard", (c) => c.redirect("/dashboard/", 301));
  app.get("/dashboard/", (c) => serveAsset(c, "/index.html"));
  app.get("/dashboard/*", (c) => serveAsset(c, c.req.path.slice("/dashboard".length)));
  app.get("/docs", (c) => serveAsset(c, "/docs.html"));
}
