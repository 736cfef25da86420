import cytoscape from "../vendor/cytoscape/cytoscape.esm.min.mjs";

// Dependency graphs drawn with cytoscape (on a canvas). The canvas is one picture to a screen reader, so
// every page that draws one also lists the same edges in a table.

const EDGE_COLORS = { message: "#2f7d4f", state: "#b4530b", delegation: "#8a5a00", event: "#be185d", join: "#6b3fa0", retry: "#a3262e", sender: "#2f7d4f" };
export const edgeColor = (kind) => EDGE_COLORS[kind] ?? "#6b7280";

/**
 * Left-to-right layers: each node one column after the deepest node pointing to it (longest path from the
 * nodes nothing points to), edges that close a cycle (a review loop) ignored for the layering; nodes of
 * one column spread top to bottom.
 */
function layered(nodes, edges) {
  const incoming = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) if (e.source !== e.target && incoming.has(e.target) && incoming.has(e.source)) incoming.get(e.target).push(e.source);
  const depth = new Map();
  const visiting = new Set();
  const depthOf = (id) => {
    if (depth.has(id)) return depth.get(id);
    visiting.add(id);
    let d = 0;
    for (const from of incoming.get(id) ?? []) if (!visiting.has(from)) d = Math.max(d, depthOf(from) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columns = new Map();
  for (const n of nodes) {
    const d = depthOf(n.id);
    columns.set(d, [...(columns.get(d) ?? []), n.id]);
  }
  const positions = {};
  for (const [d, ids] of columns) ids.forEach((id, i) => (positions[id] = { x: d * 240, y: (i - (ids.length - 1) / 2) * 80 }));
  return positions;
}

/** nodes: [{id, label, shape?, color?}]; edges: [{id, source, target, label, kind, dashed?, faint?}]. */
export function drawGraph(container, { nodes, edges }) {
  const positions = layered(nodes, edges);
  return cytoscape({
    container,
    elements: [
      ...nodes.map((n) => ({ data: { id: n.id, label: n.label, shape: n.shape ?? "round-rectangle", color: n.color ?? "#2457a6" } })),
      ...edges.map((e) => ({ data: { id: e.id, source: e.source, target: e.target, label: e.label ?? "", color: edgeColor(e.kind), style: e.dashed ? "dashed" : "solid", opacity: e.faint ? 0.45 : 1 } })),
    ],
    style: [
      {
        selector: "node",
        style: {
          shape: "data(shape)",
          "background-color": "data(color)",
          label: "data(label)",
          color: "#fff",
          "font-size": 11,
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "wrap",
          "text-max-width": 130,
          width: 150,
          height: 44,
        },
      },
      {
        selector: "edge",
        style: {
          width: 2,
          "curve-style": "bezier",
          "line-color": "data(color)",
          "line-style": "data(style)",
          opacity: "data(opacity)",
          "target-arrow-shape": "triangle",
          "target-arrow-color": "data(color)",
          label: "data(label)",
          "font-size": 10,
          color: "#1d2330",
          "text-background-color": "#fff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2,
        },
      },
    ],
    layout: { name: "preset", positions, fit: true, padding: 24 },
    userZoomingEnabled: true,
    minZoom: 0.2,
    maxZoom: 1.6,
    boxSelectionEnabled: false,
  });
}
