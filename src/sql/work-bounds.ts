import type { SqlParam } from "./schemas";
import { type QueryShape, type SourceShape, jsonNodes, unbounded } from "./work-shape";

// How much a statement may make SQLite do. D1 runs one statement at a time per database (and a Durable
// Object one call at a time), so a statement that runs for a minute stalls every agent for a minute; the
// platform stops it only after 30 s (D1's query limit, a Durable Object's CPU limit), and `wrangler dev`
// never does. So a statement is bounded before it runs: the rows it can go through are estimated from its
// shape (work-shape.ts) and the sizes of its tables as they are now, and refused (422, saying how to
// rewrite it) above the limit. What no size can tell, an array computed or stored in a value, is bounded
// when it runs instead: such a value may hold at most JSON_VALUE_CHARS characters where it multiplies.

export const WORK_LIMITS = {
  /** Row combinations one statement may go through where sources multiply: well under a second of SQLite. */
  maxRowCombinations: 10_000_000,
  /** json_each / json_tree over a computed or stored value, where it multiplies: its length at most. */
  jsonValueChars: 20_000,
};

/** The most values json_each yields from a text of JSON_VALUE_CHARS characters (`1,` per value). */
const JSON_VALUE_ROWS = WORK_LIMITS.jsonValueChars / 2;

/** What the estimate needs to know of the database, now. */
export interface WorkContext {
  /** A table's size (an upper bound on its rows); undefined for a name that is no table. */
  tableRows(name: string): number | undefined;
  /** A view's shape, for views followed to what they read. */
  viewShape(name: string): QueryShape | null | undefined;
  params: readonly SqlParam[];
}

interface Product {
  value: number;
  factors: string[];
}

interface Estimate {
  rows: number;
  work: number;
  /** The largest product of two or more sources running inside one another. */
  worst: Product | undefined;
}

export interface WorkVerdict {
  /** Row combinations of the largest product (0: nothing multiplies). */
  combinations: number;
  /** The arguments of json_each / json_tree to bound at run time (start, end in the statement's text). */
  capped: [number, number][];
}

const count = (n: number) => (n >= 1e6 ? n.toExponential(1).replace("e+", "e") : Math.round(n).toLocaleString("en-US"));
const larger = (a: Product | undefined, b: Product | undefined) => (!a ? b : !b ? a : b.value > a.value ? b : a);

const REWRITE =
  "Narrow the sources before they meet: filter each side in a subquery with its own LIMIT, page through the larger one " +
  "(WHERE id > ? ORDER BY id LIMIT 1000), or aggregate in a WITH first and join its result. A subquery in an expression counts " +
  "once per row of the query around it: compute it once in a WITH and join it instead";

/** The tables whose sizes decide the estimate; empty when nothing multiplies (no size needs reading). */
export function tablesToSize(shape: QueryShape, context: Omit<WorkContext, "tableRows">): string[] {
  const names = new Set<string>();
  const probe: WorkContext = {
    ...context,
    tableRows: (name) => {
      names.add(name);
      return 2; // anything above 1: only whether two sources multiply matters here
    },
  };
  return new Estimator(probe).verdict(shape).combinations > 0 ? [...names] : [];
}

/** The statement's verdict: its largest product and the values to bound at run time; 422 above the limit. */
export function boundWork(shape: QueryShape, context: WorkContext): WorkVerdict {
  const estimator = new Estimator(context);
  const verdict = estimator.verdict(shape);
  if (verdict.combinations > WORK_LIMITS.maxRowCombinations) {
    const worst = estimator.worst!;
    throw unbounded(
      `This statement could go through about ${count(worst.value)} row combinations (${worst.factors.join(" × ")}), over the limit of ` +
        `${count(WORK_LIMITS.maxRowCombinations)} per statement that keeps one query from holding up the database for everyone. ${REWRITE}.`,
    );
  }
  return verdict;
}

class Estimator {
  worst: Product | undefined;
  readonly #capped = new Map<string, [number, number]>();
  #depth = 0;

  constructor(private readonly context: WorkContext) {}

  verdict(shape: QueryShape): WorkVerdict {
    this.worst = this.query(shape).worst;
    return { combinations: this.worst?.value ?? 0, capped: [...this.#capped.values()] };
  }

  private query(shape: QueryShape): Estimate {
    if (shape.kind === "values") return { rows: shape.rows, work: shape.rows, worst: undefined };
    if (shape.kind === "compound") {
      const parts = shape.parts.map((p) => this.query(p));
      const rows = parts.reduce((sum, p) => sum + p.rows, 0);
      return {
        rows: shape.limit === undefined ? rows : Math.min(rows, shape.limit),
        work: parts.reduce((sum, p) => sum + p.work, 0),
        worst: parts.reduce<Product | undefined>((w, p) => larger(w, p.worst), undefined),
      };
    }
    // A table and json_each over one of its columns go through that column's stored arrays once: work in
    // proportion to the data, like a scan, as long as nothing else multiplies with them.
    const linear =
      shape.sources.length === 2 && shape.sources.some((s) => s.kind === "table") && shape.sources.some((s) => s.kind === "json-value" && s.column);
    const sources = shape.sources.map((s) => this.source(s, linear));
    let worst = sources.reduce<Product | undefined>((w, s) => larger(w, s.estimate.worst), undefined);
    const loop = sources.reduce((p, s) => p * Math.max(s.estimate.rows, 0), 1);
    const multiplying = sources.filter((s) => s.estimate.rows > 1);
    if (multiplying.length >= 2) worst = larger(worst, { value: loop, factors: multiplying.map((s) => s.label) });
    const rowsOut = linear ? loop * JSON_VALUE_ROWS : loop;
    // The loop visits each combination once; a source adds only the work it does beyond yielding its rows.
    let work = sources.reduce((sum, s) => sum + Math.max(0, s.estimate.work - s.estimate.rows), 0) + rowsOut;
    for (const sub of shape.perRow) {
      const e = this.query(sub);
      worst = larger(worst, e.worst);
      work += rowsOut * e.work;
      if (rowsOut > 1 && e.work > 1)
        worst = larger(worst, { value: rowsOut * e.work, factors: [...(multiplying.length ? multiplying.map((s) => s.label) : [`~${count(rowsOut)} rows`]), `a subquery in an expression (~${count(e.work)} rows each time)`] });
    }
    for (const lookup of shape.once) {
      const e = this.query(lookup);
      worst = larger(worst, e.worst);
      work += e.work;
    }
    const rows = shape.aggregate ? 1 : shape.limit === undefined ? rowsOut : Math.min(rowsOut, shape.limit);
    return { rows, work, worst };
  }

  private source(source: SourceShape, linear: boolean): { estimate: Estimate; label: string } {
    switch (source.kind) {
      case "table": {
        const view = this.#depth < 16 ? this.context.viewShape(source.name) : undefined;
        if (view) {
          this.#depth++;
          const e = this.query(view);
          this.#depth--;
          return { estimate: e, label: `view ${source.name} (~${count(e.rows)} rows)` };
        }
        const rows = this.context.tableRows(source.name) ?? 0;
        return { estimate: { rows, work: rows, worst: undefined }, label: `${source.name} (~${count(rows)} rows)` };
      }
      case "json":
        return { estimate: { rows: source.rows, work: source.rows, worst: undefined }, label: `json_each over a literal (${count(source.rows)} values)` };
      case "json-param": {
        const value = this.context.params[source.param - 1];
        const rows = typeof value === "string" ? jsonNodes(value) : 1;
        return { estimate: { rows, work: rows, worst: undefined }, label: `json_each over parameter ?${source.param} (${count(rows)} values)` };
      }
      case "json-value": {
        if (linear) return { estimate: { rows: 1, work: 1, worst: undefined }, label: "json_each over a column" };
        this.#capped.set(source.argument.join(":"), source.argument);
        return {
          estimate: { rows: JSON_VALUE_ROWS, work: JSON_VALUE_ROWS, worst: undefined },
          label: `json_each over a computed or stored value (up to ${count(JSON_VALUE_ROWS)} values)`,
        };
      }
      case "query": {
        const e = this.query(source.shape);
        return { estimate: e, label: `a subquery (~${count(e.rows)} rows)` };
      }
      case "self":
        return { estimate: { rows: 1, work: 1, worst: undefined }, label: "one row of the recursion" };
      case "recursive": {
        const seed = source.seed.map((p) => this.query(p));
        const step = source.step.map((p) => this.query(p));
        const perRow = step.reduce((sum, e) => sum + e.work, 0);
        let worst = [...seed, ...step].reduce<Product | undefined>((w, e) => larger(w, e.worst), undefined);
        if (perRow > 1)
          worst = larger(worst, { value: source.limit * perRow, factors: [`recursive CTE ${source.name} (up to ${count(source.limit)} rows)`, `its step (~${count(perRow)} rows each)`] });
        const work = seed.reduce((sum, e) => sum + e.work, 0) + source.limit * perRow;
        return { estimate: { rows: source.limit, work, worst }, label: `recursive CTE ${source.name} (up to ${count(source.limit)} rows)` };
      }
    }
  }
}
