import { refusedSyntax } from "./guard-errors";
import { applyEdits, type Edit } from "./postgres-habits";
import { filteredTable, sqlName } from "./row-filter";
import { foldName } from "./sql-names";
import { statementPlan, viewPlan } from "./statement-plan";
import { WORK_LIMITS } from "./work-bounds";
import type { ReadSite } from "./table-walker";

// The row rule, put into a statement: every place it reads a protected table by name becomes a subquery
// that holds only the caller's rows, `(SELECT * FROM main."_memory" WHERE <predicate>) AS "_memory"`, and
// every view that leads to one is written out in place with the same treatment inside. SQLite then never
// reads a row the caller may not see, whatever joins, subqueries, CTEs or unions surround the name, and
// a user's expressions are only ever evaluated over the caller's rows: SQLite flattens such a subquery by
// putting its WHERE first, and CTE names can never shadow it (names starting with _ are refused for CTEs).
// The rewrite works on the statement the guard produced (plain SQLite), parsed once per text; it also
// bounds, at run time, the values json_each unnests where the work bounds could not size them.

const MAX_VIEW_DEPTH = 16;

/**
 * `sql` with its reads of protected tables filtered: `predicates` maps a protected table (folded) to the
 * predicate its rows must meet, or null when the caller may see them all; `views` maps view names
 * (folded) to their definitions. A statement that reads nothing filtered comes back unchanged.
 */
export function rewriteStatement(
  sql: string,
  predicates: ReadonlyMap<string, string | null>,
  views: ReadonlyMap<string, string>,
  capped: readonly [number, number][] = [],
): string {
  const filtered = new Map([...predicates].filter((entry): entry is [string, string] => entry[1] !== null));
  if (filtered.size === 0 && capped.length === 0) return sql;
  const plan = statementPlan(sql);
  const edits = plan.storesView ? [] : new Rewrite(filtered, views).editsFor(plan.sites, false, 0);
  for (const [start, end] of capped) edits.push(...jsonCap(start, end));
  return edits.length === 0 ? sql : applyEdits(sql, 0, sql.length, edits);
}

/**
 * `json_each(X)` becomes `json_each(json(substr(X, 1, n)))`: a value up to n characters is unchanged; a
 * longer one is cut, and a cut array or object is malformed JSON, so the statement stops with an error
 * (run-query.ts says which limit it met) instead of unnesting millions of values per row.
 */
function jsonCap(start: number, end: number): Edit[] {
  return [
    { start, end: start, text: "json(substr(" },
    { start: end, end, text: `, 1, ${WORK_LIMITS.jsonValueChars}))` },
  ];
}

class Rewrite {
  readonly #reaches = new Map<string, boolean>();

  constructor(
    readonly filtered: ReadonlyMap<string, string>,
    readonly views: ReadonlyMap<string, string>,
  ) {}

  /** The edits for these sites: filtered tables, views that lead to one, and (inside views) `main.` names. */
  editsFor(sites: readonly ReadSite[], insideView: boolean, depth: number): Edit[] {
    const edits: Edit[] = [];
    for (const site of sites) {
      const [start, end] = site.range;
      const predicate = this.filtered.get(site.name);
      let text: string | undefined;
      if (predicate !== undefined) text = filteredTable(site.name, predicate);
      else if (this.views.has(site.name) && this.reaches(site.name, [])) text = this.expansion(site.name, depth + 1);
      else if (insideView && !site.qualified) {
        // Written out in the user's statement, a view's body must still mean the tables it named, not a
        // CTE of the statement that happens to share a name.
        edits.push({ start, end, text: `main.${sqlName(site.name)}${site.aliased || site.inList ? "" : ` AS ${sqlName(site.name)}`}` });
        continue;
      }
      if (text === undefined) continue;
      if (site.indexed) throw refusedSyntax(`INDEXED BY and NOT INDEXED cannot be used on '${site.name}': its rows are filtered for each caller.`);
      edits.push({ start, end, text: site.inList || site.aliased ? text : `${text} AS ${sqlName(site.name)}` });
    }
    return edits;
  }

  /** Whether a view reads a filtered table, itself or through the views it reads. */
  reaches(view: string, path: readonly string[]): boolean {
    const known = this.#reaches.get(view);
    if (known !== undefined) return known;
    const definition = this.views.get(view);
    if (definition === undefined || path.includes(view)) return false;
    if (path.length >= MAX_VIEW_DEPTH) throw refusedSyntax(`Views nest more than ${MAX_VIEW_DEPTH} deep (at '${view}').`);
    const result = viewPlan(definition).sites.some((s) => this.filtered.has(s.name) || (this.views.has(s.name) && this.reaches(s.name, [...path, view])));
    this.#reaches.set(view, result);
    return result;
  }

  /** A view written out as a subquery, with the rule applied inside it. */
  expansion(view: string, depth: number): string {
    if (depth > MAX_VIEW_DEPTH) throw refusedSyntax(`Views nest more than ${MAX_VIEW_DEPTH} deep (at '${view}').`);
    const definition = viewPlan(this.views.get(view) ?? "");
    const body = applyEdits(definition.body, 0, definition.body.length, this.editsFor(definition.sites, true, depth));
    if (definition.columns === null) return `(${body})`;
    // A view's own column names (CREATE VIEW v(a, b) AS ...) travel as a CTE's column list.
    const cte = sqlName(`__sy_view_${foldName(view)}`);
    return `(WITH ${cte}(${definition.columns.map(sqlName).join(", ")}) AS (${body}) SELECT * FROM ${cte})`;
  }
}
