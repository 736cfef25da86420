import { get } from "../lib/api.js";
import { h, pill, replace, table } from "../lib/dom.js";
import { between, ms, time } from "../lib/format.js";

const STATUSES = ["running", "succeeded", "failed", "timed_out", "cancelled"];
const REFRESH_MS = 5000;

/** Runs, newest first, filtered by workflow and status, refreshed every few seconds while live is on. */
export async function runsPage(main, ctx, params) {
  const workflow = params.get("workflow") ?? "";
  const status = params.get("status") ?? "";
  const workflows = await get("/v1/workflows?limit=100", { signal: ctx.signal });
  const onFilter = () => {
    const next = new URLSearchParams();
    if (workflowSelect.value) next.set("workflow", workflowSelect.value);
    if (statusSelect.value) next.set("status", statusSelect.value);
    location.hash = `#/runs${next.size ? `?${next}` : ""}`;
  };
  const workflowSelect = h(
    "select",
    { id: "filter-workflow", onchange: onFilter },
    h("option", { value: "" }, "All workflows"),
    workflows.items.map((w) => h("option", { value: w.name, selected: w.name === workflow }, w.name)),
  );
  const statusSelect = h("select", { id: "filter-status", onchange: onFilter }, h("option", { value: "" }, "Any status"), STATUSES.map((st) => h("option", { value: st, selected: st === status }, st)));
  const live = h("input", { type: "checkbox", id: "live", checked: true });
  const results = h("div", { id: "runs-table" });
  const updated = h("p", { class: "muted", "aria-live": "off" });

  replace(
    main,
    h("h1", {}, "Runs"),
    h(
      "form",
      { class: "row card", "aria-label": "Filter runs", onsubmit: (e) => e.preventDefault() },
      h("label", { for: "filter-workflow" }, "Workflow", workflowSelect),
      h("label", { for: "filter-status" }, "Status", statusSelect),
      h("label", { class: "check", for: "live" }, live, "Live refresh (every 5 s)"),
    ),
    results,
    updated,
  );

  const load = async () => {
    const query = new URLSearchParams({ limit: "50" });
    if (workflow) query.set("workflow", workflow);
    if (status) query.set("status", status);
    const page = await get(`/v1/runs?${query}`, { signal: ctx.signal });
    replace(
      results,
      table(`${page.items.length} run${page.items.length === 1 ? "" : "s"}${workflow ? ` of ${workflow}` : ""}${status ? `, ${status}` : ""}`, [
        { label: "Run", cell: (r) => h("a", { href: `#/runs/${r.run_id}`, class: "mono" }, r.run_id) },
        { label: "Workflow", cell: (r) => h("a", { href: `#/workflows/${encodeURIComponent(r.workflow)}` }, r.workflow) },
        { label: "Status", cell: (r) => pill(r.status) },
        { label: "Trigger", cell: (r) => r.trigger?.type ?? "—" },
        { label: "Started", cell: (r) => time(r.started_at) },
        { label: "Duration", num: true, cell: (r) => (r.ended_at ? ms(between(r.started_at, r.ended_at)) : "running") },
      ], page.items),
    );
    updated.textContent = `Updated ${time(new Date().toISOString())}.`;
  };
  await load();
  const timer = setInterval(() => {
    if (live.checked) load().catch(ctx.fail);
  }, REFRESH_MS);
  ctx.onCleanup(() => clearInterval(timer));
  ctx.say(`Runs loaded${workflow ? ` for ${workflow}` : ""}.`);
}
