import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PathSpan, criticalPath, dependencies } from "../../src/observability/critical-path";

// Constructed runs whose critical paths are known by hand. Times in ms from the run's start.

let n = 0;
const run = (): PathSpan => ({ span_id: "run", parent_span_id: null, kind: "run", agent_id: null, started_at: 0, ended_at: null, links: [] });
const task = (agent: string, start: number, end: number, links: PathSpan["links"] = [], id = `t${n++}`): PathSpan => ({
  span_id: id,
  parent_span_id: "run",
  kind: "task",
  agent_id: agent,
  started_at: start,
  ended_at: end,
  links,
});
/** A message sent by `from` (its parent task) at `at`, as the message-passing pattern records it. */
const message = (from: PathSpan, at: number, id = `m${n++}`): PathSpan => ({
  span_id: id,
  parent_span_id: from.span_id,
  kind: "message",
  agent_id: from.agent_id,
  started_at: at,
  ended_at: at,
  links: [{ span_id: from.span_id, kind: "sender" }],
});
const stateWrite = (by: PathSpan, at: number, id = `w${n++}`): PathSpan => ({ span_id: id, parent_span_id: by.span_id, kind: "state_write", agent_id: by.agent_id, started_at: at, ended_at: at, links: [] });

describe("the critical path of constructed runs", () => {
  it("a message chain collector → enricher → reporter: every task, 100 + 250 + 50 = 400 ms", () => {
    const a = task("collector", 0, 100);
    const ma = message(a, 100);
    const b = task("enricher", 100, 350, [{ span_id: ma.span_id, kind: "message" }]);
    const mb = message(b, 350);
    const c = task("reporter", 350, 400, [{ span_id: mb.span_id, kind: "message" }]);
    const path = criticalPath([run(), a, ma, b, mb, c]);
    expect(path.total_ms).toBe(400);
    expect(path.span_ids).toEqual([a.span_id, b.span_id, c.span_id]);
    expect(path.by_agent).toEqual({ collector: 100, enricher: 250, reporter: 50 });
  });

  it("a fan-out with one slow worker: the slow worker and the synthesis, 900 + 120 = 1020 ms", () => {
    const sales = task("sales", 0, 200);
    const marketing = task("marketing", 0, 900);
    const ops = task("ops", 0, 350);
    const synthesis: PathSpan = {
      ...task("executive", 900, 1020, [sales, marketing, ops].map((w) => ({ span_id: w.span_id, kind: "join" }))),
      kind: "synthesis",
    };
    const path = criticalPath([run(), sales, marketing, ops, synthesis]);
    expect(path.total_ms).toBe(1020);
    expect(path.span_ids).toEqual([marketing.span_id, synthesis.span_id]);
    expect(path.by_agent).toEqual({ marketing: 900, executive: 120 });
  });

  it("a retry: the timed-out attempt, its retry, then the message it sent on: 300 + 80 + 40 = 420 ms", () => {
    const first = task("enricher", 0, 300);
    const retry = task("enricher", 300, 380, [{ span_id: first.span_id, kind: "retry" }]);
    const sent = message(retry, 380);
    const next = task("reporter", 380, 420, [{ span_id: sent.span_id, kind: "message" }]);
    const path = criticalPath([run(), first, retry, sent, next]);
    expect(path.total_ms).toBe(420);
    expect(path.span_ids).toEqual([first.span_id, retry.span_id, next.span_id]);
    expect(path.by_agent).toEqual({ enricher: 380, reporter: 40 });
  });

  it("shared state: a reader waits for the slower of its two writers", () => {
    const revenue = task("revenue", 0, 500);
    const cost = task("cost", 0, 200);
    const w1 = stateWrite(revenue, 500);
    const w2 = stateWrite(cost, 200);
    const summary = task("summary", 500, 560, [{ span_id: w1.span_id, kind: "state" }, { span_id: w2.span_id, kind: "state" }]);
    const path = criticalPath([run(), revenue, cost, w1, w2, summary]);
    expect(path).toMatchObject({ total_ms: 560, span_ids: [revenue.span_id, summary.span_id] });
  });

  it("does not chain two tasks that merely follow each other in time", () => {
    // `late` started when `early` ended, but nothing links them: they are parallel work. A guess from timings
    // would make early → late → after a chain of 100 + 100 + 10; the recorded dependencies say late → after.
    const early = task("early", 0, 100);
    const late = task("late", 100, 200);
    const sent = message(late, 200);
    const after = task("after", 200, 210, [{ span_id: sent.span_id, kind: "message" }]);
    const path = criticalPath([run(), early, late, sent, after]);
    expect(path.total_ms).toBe(110);
    expect(path.span_ids).toEqual([late.span_id, after.span_id]);
  });

  it("counts an open task until the run's end, and a run with no task has an empty path", () => {
    const open = { ...task("slow", 100, 0), ended_at: null };
    expect(criticalPath([run(), open], 700)).toMatchObject({ total_ms: 600, by_agent: { slow: 600 } });
    expect(criticalPath([run()])).toEqual({ total_ms: 0, span_ids: [], by_agent: {} });
  });

  it("follows a message to its sender even when the message span is the run's child (sent through the API)", () => {
    const a = task("a", 0, 50);
    const viaApi: PathSpan = { span_id: "mx", parent_span_id: "run", kind: "message", agent_id: "a", started_at: 40, ended_at: 40, links: [{ span_id: a.span_id, kind: "sender" }] };
    const b = task("b", 40, 90, [{ span_id: "mx", kind: "message" }]);
    expect(dependencies([run(), a, viaApi, b]).get(b.span_id)).toEqual([a.span_id]);
  });
});

describe("the critical path against a brute-force longest path", () => {
  // Random DAGs of tasks: each task may depend on earlier ones directly or through a message. The brute
  // force enumerates every chain; the answer must be the longest, and never less than any single task.
  const dag = fc.array(fc.record({ ms: fc.integer({ min: 0, max: 1000 }), deps: fc.array(fc.nat(), { maxLength: 3 }), viaMessage: fc.boolean() }), { minLength: 1, maxLength: 9 });

  it("finds the longest chain", () => {
    fc.assert(
      fc.property(dag, (shape) => {
        const spans: PathSpan[] = [run()];
        const tasks: PathSpan[] = [];
        const edges: number[][] = [];
        shape.forEach((t, i) => {
          const depIdx = i === 0 ? [] : [...new Set(t.deps.map((d) => d % i))];
          const links = depIdx.map((d) => {
            if (!t.viaMessage) return { span_id: `t${d}`, kind: "join" };
            const m = message(tasks[d]!, 0, `m${i}-${d}`);
            spans.push(m);
            return { span_id: m.span_id, kind: "message" };
          });
          const span = task(`agent${i}`, 0, t.ms, links, `t${i}`);
          tasks.push(span);
          spans.push(span);
          edges.push(depIdx);
        });
        const longest = (i: number): number => shape[i]!.ms + Math.max(0, ...edges[i]!.map(longest));
        const expected = Math.max(...shape.map((_, i) => longest(i)));
        const path = criticalPath(spans);
        expect(path.total_ms).toBe(expected);
        // The path is a real chain: each step depends on the one before it.
        const deps = dependencies(spans);
        for (let k = 1; k < path.span_ids.length; k++) expect(deps.get(path.span_ids[k]!)).toContain(path.span_ids[k - 1]);
        expect(Object.values(path.by_agent).reduce((a, b) => a + b, 0)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
