import { ApiError, get } from "../lib/api.js";
import { taskDependencies } from "../lib/deps.js";
import { h, jsonBlock, pill, replace, table } from "../lib/dom.js";
import { between, ms, time } from "../lib/format.js";
import { drawGraph, edgeColor } from "../lib/graph.js";
import { waterfall } from "../lib/waterfall.js";

/** One run: its facts, the waterfall of its trace, its task dependency graph, tasks, messages and state. */
/** How the run started; an event links to the events of its type, where its decisions are. */
const triggerOf = (trigger) =>
  trigger?.type === "event" && typeof trigger.event_type === "string"
    ? h("span", {}, "event ", h("a", { href: `#/events?type=${encodeURIComponent(trigger.event_type)}` }, trigger.event_type), " ", h("span", { class: "mono muted" }, String(trigger.event_id ?? "")))
    : (trigger?.type ?? "—");

export async function runPage(main, ctx, runId) {
  const { signal } = ctx;
  const [run, trace, messages] = await Promise.all([
    get(`/v1/runs/${runId}`, { signal }),
    get(`/v1/runs/${runId}/trace`, { signal }),
    get(`/v1/runs/${runId}/messages`, { signal }),
  ]);
  const spanDetails = h("div", { id: "span-details", "aria-live": "polite" }, h("p", { class: "muted" }, "Select a span (click it, or focus it and press Enter) to see its attributes and dependencies."));
  const showSpan = (span) => {
    const byId = new Map(trace.spans.map((x) => [x.span_id, x]));
    replace(
      spanDetails,
      h("h3", {}, `${span.kind}: ${span.name}`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Span"), h("dd", { class: "mono" }, span.span_id),
        h("dt", {}, "Agent"), h("dd", {}, span.agent_id ? `${span.agent_id}${span.version ? `@${span.version}` : ""}` : "—"),
        h("dt", {}, "Status"), h("dd", {}, pill(span.status)),
        h("dt", {}, "Started"), h("dd", {}, time(span.started_at)),
        h("dt", {}, "Ended"), h("dd", {}, time(span.ended_at)),
        h("dt", {}, "Depends on"), h("dd", {}, span.links.length === 0 ? "nothing" : h("ul", {}, span.links.map((l) => h("li", {}, `${l.kind}: ${byId.get(l.span_id)?.name ?? l.span_id}`)))),
        h("dt", {}, "Attributes"), h("dd", {}, jsonBlock(span.attributes, "attributes")),
      ),
    );
  };

  const graphBox = h("div", { class: "graph", id: "run-graph", role: "img", "aria-label": "Task dependency graph of this run; the table below lists the same dependencies." });
  const deps = taskDependencies(trace.spans);
  const work = trace.spans.filter((x) => x.kind === "task" || x.kind === "synthesis");
  const byId = new Map(trace.spans.map((x) => [x.span_id, x]));
  const label = (span) => `${span.agent_id ?? span.name}${span.attributes?.attempt > 1 ? ` #${span.attributes.attempt}` : ""}`;

  const stateSection = h("section", { "aria-labelledby": "state-title" }, h("h2", { id: "state-title" }, "Shared state at any moment"));

  replace(
    main,
    h("h1", {}, "Run ", h("span", { class: "mono" }, run.run_id)),
    h(
      "div",
      { class: "card" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Workflow"), h("dd", {}, h("a", { href: `#/workflows/${encodeURIComponent(run.workflow)}` }, run.workflow), ` (revision ${run.revision})`),
        h("dt", {}, "Status"), h("dd", {}, pill(run.status), run.error ? ` ${run.error.code}: ${run.error.message}` : ""),
        h("dt", {}, "Trigger"), h("dd", {}, triggerOf(run.trigger)),
        h("dt", {}, "Started"), h("dd", {}, time(run.started_at)),
        h("dt", {}, "Ended"), h("dd", {}, run.ended_at ? `${time(run.ended_at)} (${ms(between(run.started_at, run.ended_at))})` : "running"),
        h("dt", {}, "Agents"), h("dd", {}, Object.entries(run.agents).map(([a, v]) => `${a}@${v}`).join(", ")),
        h("dt", {}, "Trace id"), h("dd", { class: "mono" }, trace.trace_id, " ", h("a", { href: `/v1/runs/${run.run_id}/trace?format=otlp`, onclick: (e) => downloadOtlp(e, run.run_id, signal) }, "OTLP JSON")),
      ),
    ),
    h("section", { "aria-labelledby": "waterfall-title" }, h("h2", { id: "waterfall-title" }, `Waterfall: ${trace.spans.length} spans, arrows from what each waited for`), h("div", { class: "waterfall", id: "waterfall" }, waterfall(trace.spans, { onSelect: showSpan })), spanDetails),
    h(
      "section",
      { "aria-labelledby": "graph-title" },
      h("h2", { id: "graph-title" }, "Task dependencies"),
      h("div", { class: "legend" }, ["message", "state", "join", "retry", "delegation"].map((k) => h("span", { style: `--c: ${edgeColor(k)}` }, k))),
      graphBox,
      table("Dependencies between tasks", [
        { label: "From", cell: (d) => label(byId.get(d.from)) },
        { label: "To", cell: (d) => label(byId.get(d.to)) },
        { label: "Why", cell: (d) => d.kind },
      ], deps),
    ),
    h(
      "section",
      { "aria-labelledby": "tasks-title" },
      h("h2", { id: "tasks-title" }, "Tasks"),
      table(`${run.tasks.length} tasks (every attempt)`, [
        { label: "Task", cell: (t) => h("span", { class: "mono" }, t.task_id) },
        { label: "Agent", cell: (t) => `${t.agent_id}@${t.version}` },
        { label: "Attempt", num: true, cell: (t) => t.attempt },
        { label: "Status", cell: (t) => pill(t.status) },
        { label: "Created", cell: (t) => time(t.created_at) },
        { label: "Duration", num: true, cell: (t) => ms(between(t.created_at, t.completed_at)) },
        { label: "Tokens", num: true, cell: (t) => (t.usage ? `${t.usage.tokens_in} / ${t.usage.tokens_out}` : "—") },
        { label: "Output", cell: (t) => (t.error ? `${t.error.code}: ${t.error.message}` : jsonBlock(t.output, "output")) },
      ], run.tasks),
    ),
    h(
      "section",
      { "aria-labelledby": "messages-title" },
      h("h2", { id: "messages-title" }, "Messages"),
      table(`${messages.items.length} messages`, [
        { label: "From", cell: (m) => m.from },
        { label: "To", cell: (m) => m.to },
        { label: "Schema", cell: (m) => m.schema ?? "—" },
        { label: "Sent", cell: (m) => time(m.sent_at) },
        { label: "Body", cell: (m) => jsonBlock(m.body, "message body") },
      ], messages.items),
    ),
    stateSection,
  );

  const cy = drawGraph(graphBox, {
    nodes: work.map((x) => ({ id: x.span_id, label: `${label(x)}\n${x.status}`, color: x.kind === "synthesis" ? "#6b3fa0" : x.status === "ok" ? "#2457a6" : "#a3262e" })),
    edges: deps.map((d, i) => ({ id: `d${i}`, source: d.from, target: d.to, kind: d.kind, label: d.kind })),
  });
  ctx.onCleanup(() => cy.destroy());
  await stateInspector(stateSection, ctx, run, trace);
  ctx.say(`Run ${run.run_id} loaded: ${run.status}.`);
}

async function downloadOtlp(event, runId, signal) {
  event.preventDefault();
  const doc = await get(`/v1/runs/${runId}/trace?format=otlp`, { signal });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
  link.download = `${runId}.otlp.json`;
  link.click();
  URL.revokeObjectURL(link.href);
}

/**
 * The state inspector: a slider over the moments the state changed (the run's start, then each write in
 * the trace); moving it reads `GET /v1/runs/{id}/state?at=` for that moment.
 */
async function stateInspector(section, ctx, run, trace) {
  // Only shared-state runs keep a state: the run's revision says whether this one does.
  const revision = await get(`/v1/workflows/${encodeURIComponent(run.workflow)}?revision=${run.revision}`, { signal: ctx.signal }).catch((error) => {
    if (error instanceof ApiError && error.status === 404) return null; // the workflow was deleted since
    throw error;
  });
  if (revision !== null && !revision.coordination.some((c) => c.pattern === "shared-state")) {
    section.append(h("p", { class: "muted" }, "This run keeps no shared state (only shared-state workflows do)."));
    return;
  }
  let latest;
  try {
    latest = await get(`/v1/runs/${run.run_id}/state`, { signal: ctx.signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      section.append(h("p", { class: "muted" }, "This run keeps no shared state (only shared-state workflows do)."));
      return;
    }
    throw error;
  }
  const writes = trace.spans.filter((x) => x.kind === "state_write").sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  const moments = [{ at: run.started_at, label: "the run's start" }, ...writes.map((w) => ({ at: w.ended_at ?? w.started_at, label: `${w.agent_id ?? "someone"} wrote ${w.attributes.key}` }))];
  const slider = h("input", { type: "range", id: "state-at", min: 0, max: moments.length - 1, step: 1, value: moments.length - 1 });
  const caption = h("p", { id: "state-moment" });
  const view = h("div", { id: "state-view" });
  const render = (state, moment) => {
    caption.textContent = `At ${time(moment.at)}: after ${moment.label}.`;
    slider.setAttribute("aria-valuetext", `${time(moment.at)}, after ${moment.label}`);
    replace(
      view,
      table(`${Object.keys(state).length} keys`, [
        { label: "Key", cell: ([k]) => h("code", {}, k) },
        { label: "Value", cell: ([, v]) => jsonBlock(v.value, "value") },
        { label: "Version", num: true, cell: ([, v]) => v.version },
        { label: "Written by", cell: ([, v]) => v.written_by },
        { label: "At", cell: ([, v]) => time(v.updated_at) },
      ], Object.entries(state)),
    );
  };
  let seq = 0;
  slider.addEventListener("input", async () => {
    const moment = moments[Number(slider.value)];
    const mine = ++seq;
    const state = await get(`/v1/runs/${run.run_id}/state?at=${encodeURIComponent(moment.at)}`, { signal: ctx.signal });
    if (mine === seq) render(state, moment);
  });
  section.append(
    h("div", { class: "card slider" }, h("label", { for: "state-at" }, `Moment (${moments.length} states: the start and each write)`, slider), caption),
    view,
  );
  render(latest, moments[moments.length - 1]);
}
