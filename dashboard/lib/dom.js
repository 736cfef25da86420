// Building DOM from data without ever parsing data as HTML: every value becomes a text node or an
// attribute, so nothing an agent wrote into a run can inject markup or script into the dashboard.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.setAttribute("class", value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h("a", {href: "#/runs"}, "Runs"). */
export const h = (tag, attrs = {}, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs = {}, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  build(el, {}, children);
  return el;
}

/** A table with a caption, header cells scoped to their columns, and one row per item. */
export function table(caption, columns, rows) {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : undefined }, c.label)))),
    h("tbody", {}, rows.length === 0 ? h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, "Nothing yet.")) : rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : undefined }, c.cell(row)))))),
  );
}

export const pill = (status) => h("span", { class: `pill s-${status}` }, status);

/** A JSON value, folded: its first characters in the summary, the whole in a <pre>. */
export function jsonBlock(value, label = "value") {
  const text = JSON.stringify(value, null, 2) ?? "null";
  if (text.length <= 60) return h("code", {}, text);
  return h("details", {}, h("summary", { "aria-label": `Show the whole ${label}` }, h("code", {}, `${text.replace(/\s+/g, " ").slice(0, 57)}…`)), h("pre", {}, text));
}
