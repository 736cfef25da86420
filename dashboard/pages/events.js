import { get, isMissingRoute } from "../lib/api.js";
import { h, jsonBlock, replace, table } from "../lib/dom.js";
import { time } from "../lib/format.js";

/** Events with their decisions: for each subscribed workflow, matched or not and why, and the run started. */
export async function eventsPage(main, ctx, params) {
  const type = params.get("type") ?? "";
  const query = new URLSearchParams({ limit: "50" });
  if (type) query.set("type", type);
  let page;
  try {
    page = await get(`/v1/events?${query}`, { signal: ctx.signal });
  } catch (error) {
    if (isMissingRoute(error)) return replace(main, h("h1", {}, "Events"), h("p", { class: "card notice" }, "This deployment does not serve events yet (GET /v1/events is not one of its routes)."));
    throw error;
  }
  const typeInput = h("input", { type: "text", id: "event-type", value: type, placeholder: "e.g. data.loaded" });
  replace(
    main,
    h("h1", {}, "Events"),
    h(
      "form",
      { class: "row card", "aria-label": "Filter events", onsubmit: (e) => (e.preventDefault(), (location.hash = `#/events${typeInput.value ? `?type=${encodeURIComponent(typeInput.value)}` : ""}`)) },
      h("label", { for: "event-type" }, "Type", typeInput),
      h("button", { type: "submit" }, "Filter"),
    ),
    page.items.length === 0 ? h("p", { class: "muted" }, "No events.") : null,
    page.items.map((event) =>
      h(
        "article",
        { class: "card", "aria-label": `Event ${event.event_id}` },
        h("h2", {}, event.type, " ", h("span", { class: "mono muted" }, event.event_id)),
        h("p", { class: "muted" }, `${time(event.time ?? event.received_at)} from ${event.source ?? "—"}${event.duplicate ? " (duplicate)" : ""}`),
        jsonBlock(event.data, "event data"),
        table("Decisions: why each subscribed workflow did or did not run", [
          { label: "Workflow", cell: (d) => d.workflow ?? "—" },
          { label: "Matched", cell: (d) => (d.matched ? "yes" : "no") },
          { label: "Why", cell: (d) => (typeof d.reason === "string" ? d.reason : jsonBlock(d.reason ?? d.why ?? d.detail ?? null, "reason")) },
          { label: "Run", cell: (d) => (d.run_id ? h("a", { href: `#/runs/${d.run_id}`, class: "mono" }, d.run_id) : "—") },
        ], event.decisions ?? []),
      ),
    ),
  );
  ctx.say("Events loaded.");
}
