import { get, isMissingRoute } from "../lib/api.js";
import { h, replace, table } from "../lib/dom.js";
import { ms, number, percent, time } from "../lib/format.js";

const unavailable = (main, what) => replace(main, h("h1", {}, what), h("p", { class: "card notice" }, "This deployment does not serve A/B tests yet (GET /v1/ab-tests is not one of its routes)."));

export async function abTestsPage(main, ctx) {
  let page;
  try {
    page = await get("/v1/ab-tests?limit=100", { signal: ctx.signal });
  } catch (error) {
    if (isMissingRoute(error)) return unavailable(main, "A/B tests");
    throw error;
  }
  replace(
    main,
    h("h1", {}, "A/B tests"),
    table(`${page.items.length} tests`, [
      { label: "Test", cell: (t) => h("a", { href: `#/ab-tests/${encodeURIComponent(t.ab_test_id)}`, class: "mono" }, t.ab_test_id) },
      { label: "Agent", cell: (t) => t.agent },
      { label: "Versions", cell: (t) => `a ${t.versions?.a ?? "?"} · b ${t.versions?.b ?? "?"}` },
      { label: "Split", cell: (t) => `${t.traffic_split?.a ?? "?"} / ${t.traffic_split?.b ?? "?"}` },
      { label: "Status", cell: (t) => t.status },
      { label: "Started", cell: (t) => time(t.started_at) },
    ], page.items),
  );
  ctx.say("A/B tests loaded.");
}

const METRIC_FORMAT = { success_rate: percent, quality_score: percent, avg_duration_ms: ms, avg_token_usage: (x) => number(x, 1) };

export async function abTestPage(main, ctx, id) {
  let test;
  try {
    test = await get(`/v1/ab-tests/${encodeURIComponent(id)}`, { signal: ctx.signal });
  } catch (error) {
    if (isMissingRoute(error)) return unavailable(main, "A/B test");
    throw error;
  }
  const arms = Object.entries(test.arms ?? {});
  const metrics = Object.entries(test.metrics ?? {});
  const interval = (ci) => (Array.isArray(ci) ? `[${number(ci[0], 4)}, ${number(ci[1], 4)}]` : ci && typeof ci === "object" ? `[${number(ci.lower, 4)}, ${number(ci.upper, 4)}]` : "—");
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
        h("dt", {}, "Status"), h("dd", {}, test.status),
        h("dt", {}, "Recommendation"), h("dd", { id: "recommendation" }, h("strong", {}, test.recommendation ?? "—"), test.reason ? ` — ${test.reason}` : ""),
        h("dt", {}, "Sample ratio"), h("dd", {}, test.srm ? `${test.srm.ok ? "ok" : "MISMATCH: no verdict"} (p = ${number(test.srm.p_value, 4)})` : "—"),
        h("dt", {}, "Started"), h("dd", {}, time(test.started_at)),
      ),
    ),
    h("h2", {}, "Arms"),
    table("Arms", [
      { label: "Arm", cell: ([arm]) => arm },
      { label: "Version", cell: ([, a]) => a.version },
      { label: "Assigned", num: true, cell: ([, a]) => a.assigned },
      { label: "Samples", num: true, cell: ([, a]) => a.samples },
      { label: "Success rate", num: true, cell: ([, a]) => percent(a.success_rate) },
      { label: "Avg duration", num: true, cell: ([, a]) => ms(a.avg_duration_ms) },
      { label: "Avg tokens", num: true, cell: ([, a]) => number(a.avg_token_usage, 1) },
      { label: "Quality", num: true, cell: ([, a]) => `${percent(a.quality_score)} of ${a.rated ?? 0} rated` },
    ], arms),
    h("h2", {}, "Metrics (b against a)"),
    table("Differences with their intervals", [
      { label: "Metric", cell: ([name]) => name },
      { label: "Difference", num: true, cell: ([name, m]) => (METRIC_FORMAT[name] === percent ? percent(m.difference) : number(m.difference, 4)) },
      { label: "Relative lift", num: true, cell: ([, m]) => percent(m.relative_lift) },
      { label: "Interval", cell: ([, m]) => interval(m.confidence_interval) },
      { label: "p-value", num: true, cell: ([, m]) => number(m.p_value, 4) },
      { label: "Significant", cell: ([, m]) => (m.significant ? "yes" : "no") },
      { label: "Method", cell: ([, m]) => m.method ?? "—" },
    ], metrics),
  );
  ctx.say(`A/B test ${id} loaded: ${test.recommendation ?? "no recommendation"}.`);
}
