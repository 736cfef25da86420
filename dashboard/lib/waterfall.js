import { s } from "./dom.js";
import { ms, time } from "./format.js";

// The run's spans on one time axis, nested under their parents, with an arrow from each span a span
// depended on (its links) to it. Each row is focusable: Enter or Space (or a click) shows its details.

const COLORS = { run: "#1d2330", trigger: "#6b7280", task: "#2457a6", synthesis: "#6b3fa0", message: "#2f7d4f", delegation: "#8a5a00", state_write: "#b4530b", state_read: "#0e7490", event: "#be185d" };
const ROW = 24;
const LABEL = 330;
const CHART = 760;
const TOP = 28;

function treeOrder(spans) {
  const children = new Map();
  const ids = new Set(spans.map((x) => x.span_id));
  for (const span of spans) {
    const parent = span.parent_span_id && ids.has(span.parent_span_id) ? span.parent_span_id : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const ordered = [];
  const walk = (parent, depth) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at))) {
      ordered.push({ span, depth });
      walk(span.span_id, depth + 1);
    }
  };
  walk(null, 0);
  return ordered;
}

export function waterfall(spans, { onSelect, now = Date.now() }) {
  const rows = treeOrder(spans);
  const start = Math.min(...spans.map((x) => Date.parse(x.started_at)));
  const end = Math.max(start + 1, ...spans.map((x) => (x.ended_at ? Date.parse(x.ended_at) : now)));
  const x = (iso) => LABEL + ((Date.parse(iso) - start) / (end - start)) * CHART;
  const endX = (span) => (span.ended_at ? x(span.ended_at) : LABEL + CHART);
  const rowOf = new Map(rows.map((r, i) => [r.span.span_id, i]));
  const y = (i) => TOP + i * ROW;
  const height = TOP + rows.length * ROW + 10;

  const ticks = [];
  for (let i = 0; i <= 5; i++) {
    const tx = LABEL + (CHART * i) / 5;
    ticks.push(s("line", { x1: tx, x2: tx, y1: TOP - 6, y2: height, stroke: "#e5e7eb" }), s("text", { x: tx, y: 14, "text-anchor": i === 0 ? "start" : i === 5 ? "end" : "middle" }, `+${ms(((end - start) * i) / 5)}`));
  }

  const arrows = [];
  for (const span of spans) {
    const to = rowOf.get(span.span_id);
    for (const link of span.links) {
      const from = rowOf.get(link.span_id);
      if (from === undefined || to === undefined) continue;
      const source = rows[from].span;
      const x1 = endX(source);
      const x2 = x(span.started_at);
      const y1 = y(from) + ROW / 2;
      const y2 = y(to) + ROW / 2;
      const bend = Math.max(18, Math.abs(x2 - x1) / 2);
      arrows.push(s("path", { d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, fill: "none", stroke: "#9aa3b2", "stroke-width": 1.4, "marker-end": "url(#arrow)", class: "dep" }, s("title", {}, `${link.kind}: ${source.name} → ${span.name}`)));
    }
  }

  const bars = rows.map(({ span, depth }, i) => {
    const x1 = x(span.started_at);
    const x2 = endX(span);
    const color = COLORS[span.kind] ?? "#444";
    const instant = span.ended_at !== null && x2 - x1 < 2;
    const label = `${span.kind} ${span.name}${span.agent_id ? ` (${span.agent_id}${span.version ? `@${span.version}` : ""})` : ""}, ${span.status}, ${instant ? `at ${time(span.started_at)}` : ms((span.ended_at ? Date.parse(span.ended_at) : now) - Date.parse(span.started_at))}${span.links.length ? `, depends on ${span.links.length}` : ""}`;
    const select = () => onSelect?.(span);
    return s(
      "g",
      {
        class: "bar-g",
        tabindex: 0,
        role: "listitem",
        "aria-label": label,
        "data-span-id": span.span_id,
        onclick: select,
        onkeydown: (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            select();
          }
        },
      },
      s("rect", { class: "hit", x: 0, y: y(i), width: LABEL + CHART + 10, height: ROW, fill: i % 2 ? "#fafbfc" : "#fff" }),
      s("text", { x: 8 + depth * 14, y: y(i) + 16 }, `${span.name}`.slice(0, 44 - depth * 2)),
      instant
        ? s("path", { d: `M${x1},${y(i) + 5} l6,7 l-6,7 l-6,-7 z`, fill: color })
        : s("rect", { x: x1, y: y(i) + 5, width: Math.max(3, x2 - x1), height: ROW - 10, rx: 3, fill: color, opacity: span.status === "cancelled" ? 0.4 : 0.9 }),
      s("title", {}, label),
    );
  });

  return s(
    "svg",
    { width: LABEL + CHART + 20, height, viewBox: `0 0 ${LABEL + CHART + 20} ${height}`, role: "group", "aria-label": `Waterfall of ${spans.length} spans with their dependencies` },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#9aa3b2" }))),
    ticks,
    s("g", { role: "list", "aria-label": "Spans" }, bars),
    s("g", { "aria-hidden": "true" }, arrows),
  );
}
