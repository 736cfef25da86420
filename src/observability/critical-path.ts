import type { SpanLink } from "../../durable-objects/workflow-run/span-store";

// The critical path of a run: the longest chain of real dependencies through its tasks, each weighing its
// duration. A dependency is what the run recorded as one (the links: the message or state write that fed
// a task, the workers a synthesis joined, the attempt a retry replaced), never an inference from two spans
// that merely follow each other in time. Tools that only see timings cannot tell a sequence from two
// things that happened to run one after the other; the run knows.

/** What the computation needs of a span. */
export interface PathSpan {
  span_id: string;
  parent_span_id: string | null;
  kind: string;
  agent_id: string | null;
  started_at: number;
  ended_at: number | null;
  links: SpanLink[];
}

export interface CriticalPath {
  /** The sum of the durations of the tasks on the path. */
  total_ms: number;
  /** The path's task spans, first to last. */
  span_ids: string[];
  /** Each agent's share of the path, in ms. */
  by_agent: Record<string, number>;
}

/** Spans that are work an agent did (a task or a synthesis): the path's nodes. */
export const isWork = (kind: string) => kind === "task" || kind === "synthesis";

const duration = (span: PathSpan, endMs: number) => Math.max(0, (span.ended_at ?? endMs) - span.started_at);

/**
 * The work spans each work span depended on. A link may name a task directly (a retry's previous attempt,
 * a join's workers) or a span in between: a message (sent by its parent task, and linked to it), a state
 * write (made by its parent task); those are followed to the tasks behind them. A span whose cause is no
 * task (a delegation by a supervisor with no task open, the trigger, an event) adds no dependency.
 */
export function dependencies(spans: readonly PathSpan[]): Map<string, string[]> {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const deps = new Map<string, string[]>();
  const behind = (id: string, found: Set<string>, seen: Set<string>) => {
    if (seen.has(id)) return;
    seen.add(id);
    const span = byId.get(id);
    if (!span) return;
    if (isWork(span.kind)) {
      found.add(span.span_id);
      return;
    }
    const parent = span.parent_span_id === null ? undefined : byId.get(span.parent_span_id);
    if (parent && isWork(parent.kind)) found.add(parent.span_id);
    for (const link of span.links) behind(link.span_id, found, seen);
  };
  for (const span of spans) {
    if (!isWork(span.kind)) continue;
    const found = new Set<string>();
    const seen = new Set<string>([span.span_id]);
    for (const link of span.links) behind(link.span_id, found, seen);
    found.delete(span.span_id);
    deps.set(span.span_id, [...found]);
  }
  return deps;
}

/**
 * The longest path through the dependency DAG, weights = task durations (an open task counts until
 * `endMs`). Ties go to the chain that ended later, then to the earlier span, so the answer is stable.
 */
export function criticalPath(spans: readonly PathSpan[], endMs: number = Number.POSITIVE_INFINITY): CriticalPath {
  const work = spans.filter((s) => isWork(s.kind));
  const order = new Map(work.map((s, i) => [s.span_id, i]));
  const byId = new Map(work.map((s) => [s.span_id, s]));
  const deps = dependencies(spans);
  const openEnd = Number.isFinite(endMs) ? endMs : Math.max(0, ...work.map((s) => s.ended_at ?? s.started_at));
  const best = new Map<string, number>();
  const previous = new Map<string, string | null>();
  const onStack = new Set<string>();

  // Depth-first with memory; a link that would close a cycle (none should exist: a link always names an
  // earlier span) is ignored rather than looping.
  const visit = (id: string): number => {
    const known = best.get(id);
    if (known !== undefined) return known;
    const span = byId.get(id) as PathSpan;
    onStack.add(id);
    let before = 0;
    let from: string | null = null;
    for (const dep of deps.get(id) ?? []) {
      if (onStack.has(dep) || !byId.has(dep)) continue;
      const length = visit(dep);
      if (from === null || length > before || (length === before && better(byId.get(dep) as PathSpan, byId.get(from) as PathSpan))) {
        before = length;
        from = dep;
      }
    }
    onStack.delete(id);
    const total = before + duration(span, openEnd);
    best.set(id, total);
    previous.set(id, from);
    return total;
  };
  const better = (a: PathSpan, b: PathSpan) => {
    const endA = a.ended_at ?? openEnd;
    const endB = b.ended_at ?? openEnd;
    return endA !== endB ? endA > endB : (order.get(a.span_id) ?? 0) < (order.get(b.span_id) ?? 0);
  };

  let last: PathSpan | null = null;
  let total = 0;
  for (const span of work) {
    const length = visit(span.span_id);
    if (last === null || length > total || (length === total && better(span, last))) {
      last = span;
      total = length;
    }
  }
  const path: string[] = [];
  for (let id: string | null = last?.span_id ?? null; id !== null; id = previous.get(id) ?? null) path.unshift(id);
  const byAgent: Record<string, number> = {};
  for (const id of path) {
    const span = byId.get(id) as PathSpan;
    const agent = span.agent_id ?? "(none)";
    byAgent[agent] = (byAgent[agent] ?? 0) + duration(span, openEnd);
  }
  return { total_ms: total, span_ids: path, by_agent: byAgent };
}
