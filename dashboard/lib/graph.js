import cytoscape from "../vendor/cytoscape/cytoscape.esm.min.mjs";

// Dependency graphs drawn with cytoscape (on a canvas). The canvas is one picture to a screen reader, so
// every page that draws one also lists the same edges in a table.

const EDGE_COLORS = { message: "#2f7d4f", state: "#b4530b", delegation: "#8a5a00", event: "#be185d", join: "#6b3fa0", retry: "#a3262e", sender: "#2f7d4f" };
export const edgeColor = (kind) => EDGE_COLORS[kind] ?? "#6b7280";

/**
 * nodes: [{id, label, shape?}]; edges: [{id, source, target, label, kind, dashed?, faint?}]. Laid out
 * left to right by dependency (breadth-first from the nodes nothing points to).
 */
export function drawGraph(container, { nodes, edges }) {
  const targets = new Set(edges.map((e) => e.target));
  const roots = nodes.filter((n) => !targets.has(n.id)).map((n) => `#${CSS.escape(n.id)}`);
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
    layout: { name: "breadthfirst", directed: true, roots: roots.length > 0 ? roots : undefined, spacingFactor: 1.15, padding: 20 },
    userZoomingEnabled: true,
    boxSelectionEnabled: false,
  });
}
