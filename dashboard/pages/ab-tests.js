import { get } from "../lib/api.js";
import { h, pill, replace, table } from "../lib/dom.js";
import { ms, number, percent, time } from "../lib/format.js";

// A/B tests of agent versions (GET /v1/ab-tests, GET /v1/ab-tests/{id}): the arms side by side, each
// metric's difference b − a with its interval, the sample-ratio check and the recommendation.

const STATUSES = ["running", "completed", "stopped", "rolled_back", "promoted"];

export async function abTestsPage(main, ctx, params) {
  const status = params.get("status") ?? "";
  const query = new URLSearchParams({ limit: "100" });
  if (status) query.set("status", status);
  const page = await get(`/v1/ab-tests?${query}`, { signal: ctx.signal });
  const select = h(
    "select",
    { id: "ab-status", onchange: () => (location.hash = `#/ab-tests${select.value ? `?status=${select.value}` : ""}`) },
    h("option", { value: "" }, "any"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)),
  );
  replace(
    main,
    h("h1", {}, "A/B tests"),
    h("form", { class: "row card", "aria-label": "Filter A/B tests", onsubmit: (e) => e.preventDefault() }, h("label", { for: "ab-status" }, "Status", select)),
    table(`${page.items.length} tests`, [
      { label: "Test", cell: (t) => h("a", { href: `#/ab-tests/${encodeURIComponent(t.ab_test_id)}`, class: "mono" }, t.ab_test_id) },
      { label: "Agent", cell: (t) => t.agent },
      { label: "Versions", cell: (t) => `a ${t.versions.a} · b ${t.versions.b}` },
      { label: "Split", cell: (t) => `${t.traffic_split.a}% / ${t.traffic_split.b}%` },
      { label: "Samples", num: true, cell: (t) => `${t.arms.a.samples} / ${t.arms.b.samples}` },
      { label: "Status", cell: (t) => pill(t.status) },
      { label: "Recommendation", cell: (t) => t.recommendation },
      { label: "Started", cell: (t) => time(t.started_at) },
    ], page.items),
  );
  ctx.say(`${page.items.length} A/B tests loaded.`);
}

/** A signed difference: "+12 ms", "−3.0 pts". */
const signed = (d, f) => (d === null || d === undefined ? "—" : `${d < 0 ? "−" : "+"}${f(Math.abs(d))}`);
const points = (x) => `${(x * 100).toFixed(1)} pts`;

/** How each metric's difference reads: rates in percentage points, durations in time, tokens as numbers. */
const UNIT = {
  success_rate: points,
  quality_score: points,
  avg_duration_ms: ms,
  avg_token_usage: (x) => number(x, 1),
};
const unit = (metric) => ({ diff: (d) => signed(d, UNIT[metric] ?? ((x) => number(x))) });

export async function abTestPage(main, ctx, id) {
  const test = await get(`/v1/ab-tests/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const arms = [["a", test.arms.a], ["b", test.arms.b]];
  const metrics = Object.entries(test.metrics);
  const interval = ([metric, m]) => (m.confidence_interval ? `[${unit(metric).diff(m.confidence_interval[0])}, ${unit(metric).diff(m.confidence_interval[1])}]` : "—");
  replace(
    main,
    h("h1", {}, "A/B test ", h("span", { class: "mono" }, test.ab_test_id)),
    h(
      "div",
      { class: "card" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Agent"), h("dd", {}, test.agent),
        h("dt", {}, "Status"), h("dd", {}, pill(test.status), test.end_reason ? ` — ${test.end_reason}` : ""),
        h("dt", {}, "Recommendation"), h("dd", { id: "recommendation" }, h("strong", {}, test.recommendation), ` — ${test.reason}`),
        h("dt", {}, "Sample ratio"), h("dd", { id: "srm" }, `${test.srm.ok ? "ok" : "MISMATCH: no verdict until it is explained"} (χ² p = ${number(test.srm.p_value, 4)})`),
        h("dt", {}, "Split"), h("dd", {}, `a ${test.traffic_split.a}% · b ${test.traffic_split.b}%`),
        h("dt", {}, "Rules"), h("dd", {}, `${test.sequential ? "sequential (always-valid)" : "fixed-horizon"} tests, at least ${test.min_samples} samples per arm${test.auto_rollback ? ", auto-rollback on" : ""}`),
        h("dt", {}, "Started"), h("dd", {}, time(test.started_at)),
        h("dt", {}, test.ended_at ? "Ended" : "Ends"), h("dd", {}, test.ended_at ? time(test.ended_at) : test.ends_at ? time(test.ends_at) : "when stopped or promoted"),
      ),
    ),
    h("h2", {}, "Arms"),
    table("Each arm's runs, samples and figures", [
      { label: "Arm", cell: ([arm]) => arm },
      { label: "Version", cell: ([, a]) => h("span", { class: "mono" }, a.version) },
      { label: "Assigned runs", num: true, cell: ([, a]) => a.assigned },
      { label: "Samples", num: true, cell: ([, a]) => a.samples },
      { label: "Success rate", num: true, cell: ([, a]) => percent(a.success_rate) },
      { label: "Avg duration", num: true, cell: ([, a]) => ms(a.avg_duration_ms) },
      { label: "Avg tokens", num: true, cell: ([, a]) => number(a.avg_token_usage, 1) },
      { label: "Quality", num: true, cell: ([, a]) => `${percent(a.quality_score)} of ${a.rated} rated` },
    ], arms),
    h("h2", {}, "Metrics: b against a"),
    table("Each metric's difference (b − a) with its interval", [
      { label: "Metric", cell: ([name]) => name },
      { label: "Difference", num: true, cell: ([name, m]) => unit(name).diff(m.difference) },
      { label: "Relative lift", num: true, cell: ([, m]) => percent(m.relative_lift) },
      { label: "Interval", cell: interval },
      { label: "p-value", num: true, cell: ([, m]) => number(m.p_value, 4) },
      { label: "Significant", cell: ([, m]) => (m.significant ? "yes" : "no") },
      { label: "Method", cell: ([, m]) => m.method },
    ], metrics),
  );
  ctx.say(`A/B test ${id} loaded: ${test.recommendation}.`);
}
