// A run's task-to-task dependencies from its trace, as the server's critical path reads them
// (src/observability/critical-path.ts): a link names a task directly (a retry's earlier attempt, a join's
// workers) or a message or state write, which is followed to the task that sent or wrote it.

export const isWork = (kind) => kind === "task" || kind === "synthesis";

export function taskDependencies(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const out = [];
  for (const span of spans) {
    if (!isWork(span.kind)) continue;
    const found = new Map();
    const seen = new Set([span.span_id]);
    const behind = (id, why) => {
      if (seen.has(id)) return;
      seen.add(id);
      const linked = byId.get(id);
      if (!linked) return;
      if (isWork(linked.kind)) return void found.set(linked.span_id, why);
      const parent = linked.parent_span_id ? byId.get(linked.parent_span_id) : undefined;
      if (parent && isWork(parent.kind)) found.set(parent.span_id, why);
      for (const link of linked.links) behind(link.span_id, why);
    };
    for (const link of span.links) behind(link.span_id, link.kind);
    for (const [from, why] of found) if (from !== span.span_id) out.push({ from, to: span.span_id, kind: why });
  }
  return out;
}
