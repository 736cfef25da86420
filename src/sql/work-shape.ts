import { ApiError } from "../http/errors";
import { type CstNode, children, field, identifierName, isNode, leftmostSelect, listItems, rangeOf, rightmostSelect } from "./cst";
import { foldName } from "./sql-names";
import { qualifiedName } from "./table-walker";

// The shape of a statement's work: which sources run inside one another. Each SELECT's FROM items are a
// nested loop; a subquery in an expression may run once per row of the query around it; a recursive
// CTE runs its step once per row it yields. With the sizes of the sources (work-bounds.ts), this bounds
// the rows a statement can visit before it runs. Built from the statement the guard produced.

export type QueryShape =
  /** `once`: lookups read once beside the loop (`x IN table`). */
  | { kind: "select"; sources: SourceShape[]; perRow: QueryShape[]; once: QueryShape[]; aggregate: boolean; limit: number | undefined }
  | { kind: "compound"; parts: QueryShape[]; limit: number | undefined }
  | { kind: "values"; rows: number };

export type SourceShape =
  /** A table or a view, by folded name. */
  | { kind: "table"; name: string }
  /** json_each / json_tree over a literal: its node count. */
  | { kind: "json"; rows: number }
  /** ... over a bound parameter: counted from the value sent. */
  | { kind: "json-param"; param: number }
  /** ... over anything else, bounded at run time (work-bounds.ts); `column`: a plain column reference. */
  | { kind: "json-value"; argument: [number, number]; column: boolean }
  | { kind: "query"; shape: QueryShape }
  /** The recursive CTE's own name inside its step: one row per step. */
  | { kind: "self" }
  | { kind: "recursive"; name: string; limit: number; seed: QueryShape[]; step: QueryShape[] };

/** The most rows a recursive CTE may yield; its LIMIT must say so. */
export const MAX_RECURSIVE_ROWS = 100_000;

const AGGREGATES = new Set(["avg", "count", "group_concat", "string_agg", "sum", "total", "median", "percentile", "percentile_cont", "percentile_disc", "json_group_array", "json_group_object", "jsonb_group_array", "jsonb_group_object"]);

/** The CTEs visible at a point of the statement. */
interface Ctes {
  get(name: string): SourceShape | undefined;
}

const NO_CTES: Ctes = { get: () => undefined };

/**
 * The CTEs of one WITH, each shaped when first named (a CTE may name one defined after it). A CTE that
 * names itself while being shaped is recursive: SQLite needs no RECURSIVE keyword for that.
 */
class CteScope implements Ctes {
  readonly #shaped = new Map<string, SourceShape>();
  readonly #shaping = new Set<string>();

  constructor(
    private readonly outer: Ctes,
    private readonly bodies: ReadonlyMap<string, CstNode>,
    private readonly walk: ShapeWalk,
  ) {}

  get(name: string): SourceShape | undefined {
    const body = this.bodies.get(name);
    if (!body) return this.outer.get(name);
    const known = this.#shaped.get(name);
    if (known) return known;
    if (this.#shaping.has(name)) return { kind: "self" };
    this.#shaping.add(name);
    const shape = this.walk.query(body, this);
    this.#shaping.delete(name);
    const source: SourceShape = mentionsSelf(shape) ? recursive(name, shape) : { kind: "query", shape };
    this.#shaped.set(name, source);
    return source;
  }

  /** Shapes every CTE, named or not: an unused recursive CTE without a bound is still refused. */
  shapeAll(): void {
    for (const name of this.bodies.keys()) this.get(name);
  }
}

export function unbounded(message: string): ApiError {
  return new ApiError("unprocessable", message, { reason: "unbounded_work" });
}

/** The work shape of one statement; null for statements that visit no rows (EXPLAIN, most schema changes). */
export function workShape(statement: CstNode): QueryShape | null {
  return new ShapeWalk(statement).statement(statement);
}

class ShapeWalk {
  /** Where each parameter starts in the text → its number, as SQLite numbers them (`?` is one past the largest so far). */
  readonly #params = new Map<number, number>();

  constructor(root: CstNode) {
    const found: CstNode[] = [];
    const collect = (node: CstNode) => {
      if (node.type === "parameter") found.push(node);
      else for (const child of children(node)) collect(child);
    };
    collect(root);
    let largest = 0;
    for (const p of found.sort((a, b) => rangeOf(a)[0] - rangeOf(b)[0])) {
      const numbered = /^\?(\d+)$/.exec(typeof p.text === "string" ? p.text : "");
      const n = numbered ? Number(numbered[1]) : largest + 1;
      largest = Math.max(largest, n);
      this.#params.set(rangeOf(p)[0], n);
    }
  }

  statement(node: CstNode): QueryShape | null {
    switch (node.type) {
      case "select_stmt":
      case "compound_select_stmt":
        return this.query(node, NO_CTES);
      case "insert_stmt":
      case "update_stmt":
      case "delete_stmt":
        return this.dataChange(node);
      case "create_table_stmt": {
        const body = field(clausesOf(node).find((c) => c.type === "as_clause") ?? node, "expr");
        return body ? this.query(body, NO_CTES) : null;
      }
    }
    return null;
  }

  /** A SELECT, a compound SELECT or VALUES; its leading WITH is taken in first. */
  query(node: CstNode, outer: Ctes): QueryShape {
    if (node.type === "paren_expr") {
      const inner = field(node, "expr");
      return inner ? this.query(inner, outer) : { kind: "values", rows: 1 };
    }
    const first = clausesOf(leftmostSelect(node))[0];
    const ctes = first?.type === "with_clause" ? this.withClause(first, outer) : outer;
    if (node.type === "compound_select_stmt") {
      const parts: QueryShape[] = [];
      const gather = (n: CstNode) => {
        if (n.type === "compound_select_stmt") for (const side of [field(n, "left"), field(n, "right")]) side && gather(side);
        else parts.push(this.select(n, ctes));
      };
      gather(node);
      return { kind: "compound", parts, limit: literalLimit(rightmostSelect(node)) };
    }
    return this.select(node, ctes);
  }

  private select(node: CstNode, ctes: Ctes): QueryShape {
    if (node.type === "paren_expr") return this.query(node, ctes);
    const clauses = clausesOf(node);
    const values = clauses.find((c) => c.type === "values_clause");
    if (values) return { kind: "values", rows: listItems(field(values, "values")).length };
    const sources: SourceShape[] = [];
    const perRow: QueryShape[] = [];
    const once: QueryShape[] = [];
    let aggregate = false;
    let grouped = false;
    for (const clause of clauses) {
      if (clause.type === "with_clause") continue;
      if (clause.type === "from_clause") this.fromItem(field(clause, "expr"), ctes, sources, perRow, once);
      else {
        if (clause.type === "group_by_clause") grouped = true;
        if (clause.type === "select_clause") aggregate = hasAggregate(clause);
        this.nested(clause, ctes, perRow, once);
      }
    }
    return { kind: "select", sources, perRow, once, aggregate: aggregate && !grouped, limit: literalLimit(node) };
  }

  /** INSERT ... SELECT, UPDATE ... FROM, DELETE: the rows they go through, and subqueries per row. */
  private dataChange(node: CstNode): QueryShape {
    const clauses = clausesOf(node);
    const ctes = clauses[0]?.type === "with_clause" ? this.withClause(clauses[0], NO_CTES) : NO_CTES;
    const sources: SourceShape[] = [];
    const perRow: QueryShape[] = [];
    const once: QueryShape[] = [];
    for (const clause of clauses) {
      if (clause.type === "with_clause" || clause.type === "insert_clause") continue;
      if (clause.type === "select_stmt" || clause.type === "compound_select_stmt") sources.push({ kind: "query", shape: this.query(clause, ctes) });
      else if (clause.type === "values_clause") sources.push({ kind: "query", shape: { kind: "values", rows: listItems(field(clause, "values")).length } });
      else if (clause.type === "update_clause" || clause.type === "delete_clause")
        for (const table of listItems(field(clause, "tables"))) this.fromItem(table, ctes, sources, perRow, once);
      else if (clause.type === "from_clause") this.fromItem(field(clause, "expr"), ctes, sources, perRow, once);
      else this.nested(clause, ctes, perRow, once);
    }
    return { kind: "select", sources, perRow, once, aggregate: false, limit: undefined };
  }

  private withClause(clause: CstNode, outer: Ctes): Ctes {
    const bodies = new Map<string, CstNode>();
    for (const cte of listItems(field(clause, "tables"))) {
      const body = field(field(cte, "expr") ?? cte, "expr");
      if (body) bodies.set(foldName(identifierName(field(cte, "table")) ?? ""), body);
    }
    const scope = new CteScope(outer, bodies, this);
    scope.shapeAll();
    return scope;
  }

  /** FROM items, flattened into the sources of one nested loop; ON clauses may hold subqueries. */
  private fromItem(node: CstNode | undefined, ctes: Ctes, sources: SourceShape[], perRow: QueryShape[], once: QueryShape[]): void {
    if (!node) return;
    switch (node.type) {
      case "join_expr": {
        this.fromItem(field(node, "left"), ctes, sources, perRow, once);
        this.fromItem(field(node, "right"), ctes, sources, perRow, once);
        const on = field(node, "specification");
        if (on) this.nested(on, ctes, perRow, once);
        return;
      }
      case "alias":
        return this.fromItem(field(node, "expr"), ctes, sources, perRow, once);
      case "indexed_table":
      case "not_indexed_table":
        return this.fromItem(field(node, "table"), ctes, sources, perRow, once);
      case "paren_expr": {
        const inner = field(node, "expr");
        if (inner?.type === "select_stmt" || inner?.type === "compound_select_stmt") sources.push({ kind: "query", shape: this.query(inner, ctes) });
        else this.fromItem(inner, ctes, sources, perRow, once);
        return;
      }
      case "func_call":
        sources.push(this.tableFunction(node));
        return;
      case "identifier":
      case "member_expr":
        sources.push(this.named(node, ctes));
        return;
    }
  }

  private named(node: CstNode, ctes: Ctes): SourceShape {
    const { schema, name } = qualifiedName(node);
    const folded = foldName(name);
    const cte = schema === undefined ? ctes.get(folded) : undefined;
    return cte ?? { kind: "table", name: folded };
  }

  /** json_each / json_tree: counted from a literal or a parameter, else bounded when it runs. */
  private tableFunction(node: CstNode): SourceShape {
    const args = listItems(field(field(field(node, "args") ?? node, "expr") ?? node, "args"));
    const [document] = args;
    if (document?.type === "string_literal" && typeof document.value === "string") return { kind: "json", rows: jsonNodes(document.value) };
    if (document?.type === "parameter") return { kind: "json-param", param: this.#params.get(rangeOf(document)[0]) ?? 0 };
    if (!document) return { kind: "json", rows: 1 };
    return { kind: "json-value", argument: rangeOf(document), column: document.type === "identifier" || document.type === "member_expr" };
  }

  /** Subqueries inside expressions (once per row, as far as the bound knows) and `x IN table` (once). */
  private nested(node: CstNode, ctes: Ctes, perRow: QueryShape[], once: QueryShape[]): void {
    if (node.type === "select_stmt" || node.type === "compound_select_stmt") {
      perRow.push(this.query(node, ctes));
      return;
    }
    if (node.type === "binary_expr") {
      const right = field(node, "right");
      if (right && isIn(node.operator) && (right.type === "identifier" || right.type === "member_expr" || right.type === "func_call")) {
        const left = field(node, "left");
        if (left) this.nested(left, ctes, perRow, once);
        // Read once into a lookup table, not per row: a source of its own beside the loop.
        once.push({ kind: "select", sources: [right.type === "func_call" ? this.tableFunction(right) : this.named(right, ctes)], perRow: [], once: [], aggregate: true, limit: undefined });
        return;
      }
    }
    for (const child of children(node)) this.nested(child, ctes, perRow, once);
  }
}

const clausesOf = (node: CstNode) => (Array.isArray(node.clauses) ? node.clauses.filter(isNode) : []);

const isIn = (operator: unknown): boolean => {
  const words = (Array.isArray(operator) ? operator : [operator]).map((kw) => (isNode(kw) && typeof kw.name === "string" ? kw.name : kw));
  return words.at(-1) === "IN";
};

function literalLimit(select: CstNode): number | undefined {
  const limit = clausesOf(select).find((c) => c.type === "limit_clause");
  const count = limit && field(limit, "count");
  return count?.type === "number_literal" && typeof count.value === "number" && Number.isInteger(count.value) && count.value >= 0 ? count.value : undefined;
}

function hasAggregate(node: CstNode): boolean {
  if (node.type === "select_stmt" || node.type === "compound_select_stmt") return false;
  if (node.type === "func_call" && node.over === undefined) {
    const name = foldName(identifierName(field(node, "name")) ?? "");
    const args = listItems(field(field(field(node, "args") ?? node, "expr") ?? node, "args"));
    if (AGGREGATES.has(name) || ((name === "min" || name === "max") && args.length === 1)) return true;
  }
  return children(node).some(hasAggregate);
}

function mentionsSelf(shape: QueryShape): boolean {
  if (shape.kind === "values") return false;
  if (shape.kind === "compound") return shape.parts.some(mentionsSelf);
  return (
    shape.sources.some((s) => s.kind === "self" || (s.kind === "query" && mentionsSelf(s.shape))) || shape.perRow.some(mentionsSelf) || shape.once.some(mentionsSelf)
  );
}

const REWRITE_RECURSIVE =
  `end its compound SELECT with LIMIT n, n a literal of at most ${MAX_RECURSIVE_ROWS.toLocaleString("en-US")}, e.g. ` +
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100 LIMIT 100) SELECT x FROM c";

/** A recursive CTE must say how many rows it yields at most: a WHERE that stops it cannot be checked. */
function recursive(name: string, shape: QueryShape): SourceShape {
  if (shape.kind !== "compound") throw unbounded(`The recursive CTE '${name}' must be a compound SELECT (seed UNION ALL step); ${REWRITE_RECURSIVE}.`);
  if (shape.limit === undefined) throw unbounded(`The recursive CTE '${name}' has no LIMIT, so nothing bounds how long it runs; ${REWRITE_RECURSIVE}.`);
  if (shape.limit > MAX_RECURSIVE_ROWS)
    throw unbounded(`The recursive CTE '${name}' may yield ${shape.limit.toLocaleString("en-US")} rows, over the limit; ${REWRITE_RECURSIVE}.`);
  return {
    kind: "recursive",
    name,
    limit: shape.limit,
    seed: shape.parts.filter((p) => !mentionsSelf(p)),
    step: shape.parts.filter(mentionsSelf),
  };
}

/** Every value in a JSON document (what json_tree yields; json_each yields fewer): at least 1. */
export function jsonNodes(text: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 1; // SQLite refuses it when the statement runs
  }
  let count = 0;
  const visit = (value: unknown) => {
    count++;
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(visit);
  };
  visit(parsed);
  return count;
}
