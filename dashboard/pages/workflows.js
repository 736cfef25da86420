import { get } from "../lib/api.js";
import { h, replace, table } from "../lib/dom.js";
import { ms, percent, time } from "../lib/format.js";
import { drawGraph, edgeColor } from "../lib/graph.js";

const WINDOWS = [
  ["1h", "Last hour", 3600e3],
  ["24h", "Last 24 hours", 86400e3],
  ["7d", "Last 7 days", 7 * 86400e3],
  ["30d", "Last 30 days", 30 * 86400e3],
];

export async function workflowsPage(main, ctx) {
  const page = await get("/v1/workflows?limit=100", { signal: ctx.signal });
  replace(
    main,
    h("h1", {}, "Workflows"),
    table(`${page.items.length} workflows`, [
      { label: "Workflow", cell: (w) => h("a", { href: `#/workflows/${encodeURIComponent(w.name)}` }, w.name) },
      { label: "Revision", num: true, cell: (w) => w.revision },
      { label: "Description", cell: (w) => w.description ?? "—" },
      { label: "Runs", cell: (w) => h("a", { href: `#/runs?workflow=${encodeURIComponent(w.name)}` }, "runs") },
    ], page.items),
  );
  ctx.say("Workflows loaded.");
}

/** A workflow: its dependency graph (declared and observed edges, with counts) and its bottlenecks. */
export async function workflowPage(main, ctx, name, params) {
  const windowKey = WINDOWS.some(([k]) => k === params.get("window")) ? params.get("window") : "7d";
  const since = new Date(Date.now() - WINDOWS.find(([k]) => k === windowKey)[2]).toISOString();
  const path = encodeURIComponent(name);
  const [workflow, graph, slow] = await Promise.all([
    get(`/v1/workflows/${path}`, { signal: ctx.signal }),
    get(`/v1/workflows/${path}/graph?since=${encodeURIComponent(since)}`, { signal: ctx.signal }),
    get(`/v1/workflows/${path}/bottlenecks?since=${encodeURIComponent(since)}`, { signal: ctx.signal }),
  ]);
  const windowSelect = h(
    "select",
    { id: "window", onchange: () => (location.hash = `#/workflows/${path}?window=${windowSelect.value}`) },
    WINDOWS.map(([k, label]) => h("option", { value: k, selected: k === windowKey }, label)),
  );
  const graphBox = h("div", { class: "graph", id: "workflow-graph", role: "img", "aria-label": `Agent dependency graph of ${name}; the table below lists the same edges.` });
  replace(
    main,
    h("h1", {}, "Workflow ", name),
    h(
      "div",
      { class: "card row" },
      h("p", {}, `Revision ${workflow.revision}. Patterns: ${workflow.coordination.map((c) => c.pattern).join(", ")}. ${workflow.description ?? ""}`),
      h("label", { for: "window" }, "Window", windowSelect),
      h("a", { href: `#/runs?workflow=${path}` }, "This workflow's runs"),
    ),
    h(
      "section",
      { "aria-labelledby": "graph-title" },
      h("h2", { id: "graph-title" }, `Agent dependency graph (${graph.runs} runs since ${time(graph.since)})`),
      h(
        "div",
        { class: "legend" },
        ["message", "state", "delegation", "event"].map((k) => h("span", { style: `--c: ${edgeColor(k)}` }, k)),
        h("span", { class: "dashed", style: "--c: #6b7280" }, "not declared (seen in runs only)"),
      ),
      graphBox,
      table("Edges: declared by the definition, observed in runs", [
        { label: "From", cell: (e) => e.from },
        { label: "To", cell: (e) => e.to },
        { label: "Kind", cell: (e) => e.kind },
        { label: "Declared", cell: (e) => (e.declared ? "yes" : "no") },
        { label: "Observed", num: true, cell: (e) => e.observed_count },
      ], graph.edges),
    ),
    h(
      "section",
      { "aria-labelledby": "bottlenecks-title" },
      h("h2", { id: "bottlenecks-title" }, "Bottlenecks, worst first"),
      h("p", { class: "muted" }, `Critical path: the longest chain of recorded dependencies in each run, each task weighing its duration. Sum over ${slow.runs} runs: ${ms(slow.critical_path_ms)}.`),
      table("Agents by their part of the critical path", [
        { label: "Agent", cell: (a) => a.agent },
        { label: "Tasks", num: true, cell: (a) => a.tasks },
        { label: "p50", num: true, cell: (a) => ms(a.p50_ms) },
        { label: "p95", num: true, cell: (a) => ms(a.p95_ms) },
        { label: "Retries", num: true, cell: (a) => a.retries },
        { label: "Timeouts", num: true, cell: (a) => a.timeouts },
        { label: "Failures", num: true, cell: (a) => a.failures },
        { label: "On critical path", num: true, cell: (a) => ms(a.critical_path_ms) },
        { label: "Share", num: true, cell: (a) => percent(a.critical_path_share) },
      ], slow.agents),
    ),
  );
  const events = graph.edges.filter((e) => e.kind === "event").map((e) => e.from);
  const cy = drawGraph(graphBox, {
    nodes: [
      ...graph.nodes.map((n) => ({ id: n.agent, label: `${n.agent}${n.versions.length ? `\n${n.versions.join(", ")}` : ""}` })),
      ...[...new Set(events)].map((id) => ({ id, label: id, shape: "diamond", color: "#be185d" })),
    ],
    edges: graph.edges.map((e, i) => ({
      id: `e${i}`,
      source: e.from,
      target: e.to,
      kind: e.kind,
      label: `${e.kind} ×${e.observed_count}`,
      dashed: !e.declared,
      faint: e.observed_count === 0,
    })),
  });
  ctx.onCleanup(() => cy.destroy());
  ctx.say(`Workflow ${name} loaded.`);
}
