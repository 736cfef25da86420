// The API reference at /docs: rendered on the server from the OpenAPI document, with no scripts or
// assets from elsewhere, so it works offline in `wrangler dev` exactly as deployed.

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface Document {
  info: { title: string; version: string; description?: string };
  paths?: object;
  components?: { schemas?: object };
}

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const code = (text: string) => text.replace(/`([^`]+)`/g, (_, inner: string) => `<code>${inner}</code>`);

const schemaBlock = (schema: unknown) => `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>`;

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ", required" : ""})${p.description ? ` — ${code(escape(p.description))}` : ""}</li>`)
    .join("");
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><b>${status}</b> ${code(escape(r.description ?? ""))}</li>`)
    .join("");
  const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-");
  return `<section id="${id}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
<p>${code(escape(op.summary ?? ""))}</p>${op.description ? `<p>${code(escape(op.description))}</p>` : ""}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}
${body ? `<h4>Body</h4>${schemaBlock(body)}` : ""}
<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderReference(doc: Document): string {
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths ?? {}) as [string, Record<string, Operation>][]) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const toc = [...byTag.keys()].map((t) => `<li><a href="#${escape(t)}">${escape(t)}</a></li>`).join("");
  const sections = [...byTag.entries()].map(([t, ops]) => `<h2 id="${escape(t)}">${escape(t)}</h2>${ops.join("")}`).join("");
  const schemas = Object.entries(doc.components?.schemas ?? {} as Record<string, unknown>)
    .map(([name, s]) => `<details><summary><code>${escape(name)}</code></summary>${schemaBlock(s)}</details>`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font-family:ui-monospace,monospace}pre{background:#f4f5f7;padding:.75rem;overflow:auto;font-size:13px}
section{border-top:1px solid #e3e5ea;padding:.5rem 0}.m{display:inline-block;min-width:4.2rem;font-size:12px;padding:2px 6px;border-radius:4px;color:#fff;background:#555;text-align:center}
.get{background:#2f7d4f}.post{background:#2457a6}.put{background:#8a5a00}.patch{background:#6b3fa0}.delete{background:#a3262e}</style></head>
<body><h1>${escape(doc.info.title)} <small>v${escape(doc.info.version)}</small></h1><p>${code(escape(doc.info.description ?? ""))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p><ul>${toc}<li><a href="#schemas">Schemas</a></li></ul>
${sections}<h2 id="schemas">Schemas</h2>${schemas}</body></html>`;
}
