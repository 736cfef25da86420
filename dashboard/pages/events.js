import { get } from "../lib/api.js";
import { h, jsonBlock, pill, replace } from "../lib/dom.js";
import { time } from "../lib/format.js";

// Events (GET /v1/events) with their decisions: for each workflow subscribed to the type, whether it ran
// and why, down to each entry's filter and the fields it saw — the answer to "why did my workflow not run?".

function decisionRows(decision) {
  const run = decision.run_id
    ? h("span", {}, h("a", { href: `#/runs/${decision.run_id}`, class: "mono" }, decision.run_id), " ", decision.run_status ? pill(decision.run_status) : "")
    : decision.run_error
      ? h("span", { class: "error-text" }, `not started: ${decision.run_error.message}`)
      : "—";
  return [
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/workflows/${encodeURIComponent(decision.workflow)}` }, decision.workflow), ` r${decision.revision}`),
      h("td", {}, decision.matched ? "ran" : "did not run"),
      h("td", {}, decision.reason),
      h("td", {}, run),
    ),
    ...decision.entries.map((entry) =>
      h(
        "tr",
        { class: "sub" },
        h("td", {}, h("span", { class: "mono" }, entry.source), ` (${entry.kind})`),
        h("td", {}, entry.matched ? "matched" : "no match"),
        h("td", {}, entry.reason, entry.filter ? h("div", { class: "muted" }, "filter ", h("code", {}, entry.filter)) : ""),
        h("td", {}, Object.keys(entry.saw).length ? jsonBlock(entry.saw, "fields the filter saw") : "—"),
      ),
    ),
  ];
}

function eventCard(event) {
  const origin = event.caused_by ? `platform event of run ${event.caused_by.run_id} (${event.caused_by.workflow})` : `${event.publisher}, by ${event.published_by}`;
  return h(
    "article",
    { class: "card", "aria-label": `Event ${event.event_id}` },
    h("h2", {}, event.type, " ", h("span", { class: "mono muted" }, event.event_id), " ", event.status === "rejected" ? pill("failed") : ""),
    h("p", { class: "muted" }, `${time(event.time)} from ${event.source ?? "—"} · received ${time(event.received_at)} · ${origin}`),
    event.rejection ? h("p", { class: "error-text", role: "note" }, `Rejected: ${event.rejection.message}`) : null,
    jsonBlock(event.data, "event data"),
    h(
      "table",
      {},
      h("caption", {}, "Decisions: why each subscribed workflow did or did not run"),
      h("thead", {}, h("tr", {}, ["Workflow / entry", "Outcome", "Why", "Run / fields seen"].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, event.decisions.length === 0 ? h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No workflow subscribes to this type: nothing ran.")) : event.decisions.flatMap(decisionRows)),
    ),
  );
}

export async function eventsPage(main, ctx, params) {
  const type = params.get("type") ?? "";
  const query = new URLSearchParams({ limit: "50" });
  if (type) query.set("type", type);
  const page = await get(`/v1/events?${query}`, { signal: ctx.signal });
  const typeInput = h("input", { type: "text", id: "event-type", value: type, placeholder: "e.g. data.loaded" });
  replace(
    main,
    h("h1", {}, "Events"),
    h(
      "form",
      { class: "row card", "aria-label": "Filter events", onsubmit: (e) => (e.preventDefault(), (location.hash = `#/events${typeInput.value ? `?type=${encodeURIComponent(typeInput.value.trim())}` : ""}`)) },
      h("label", { for: "event-type" }, "Type", typeInput),
      h("button", { type: "submit" }, "Filter"),
    ),
    page.items.length === 0 ? h("p", { class: "muted" }, "No events.") : null,
    page.items.map(eventCard),
  );
  ctx.say(`${page.items.length} events loaded.`);
}
