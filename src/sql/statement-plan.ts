import { type CstNode, field, isNode, listItems, rangeOf } from "./cst";
import { refusedSyntax } from "./guard-errors";
import { onlyStatement } from "./parse";
import { analyseStatement } from "./statement-tables";
import { type ReadSite, TableWalk } from "./table-walker";
import { type QueryShape, workShape } from "./work-shape";

// What the rewrites of a guarded statement need, from one parse of the SQL the guard produced (plain
// SQLite) or of a view's definition, kept per isolate: where it reads tables and views by name (for the
// row rule) and the shape of its work (for the work bounds).

const CACHE_SIZE = 512;

export interface StatementPlan {
  /** A view's definition is stored as written: the row rule applies whenever the view is read. */
  storesView: boolean;
  sites: ReadSite[];
  shape: QueryShape | null;
}

export interface ViewPlan {
  /** The view's SELECT, as text; sites are relative to it. */
  body: string;
  /** The view's own column names (`CREATE VIEW v(a, b) AS ...`), or null. */
  columns: string[] | null;
  sites: ReadSite[];
  shape: QueryShape;
}

const statements = new Map<string, StatementPlan>();
const views = new Map<string, ViewPlan>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

export function statementPlan(sql: string): StatementPlan {
  const cached = statements.get(sql);
  if (cached) return cached;
  const statement = onlyStatement(sql);
  const walk = new TableWalk();
  analyseStatement(statement, walk, new Map());
  return remember(statements, sql, { storesView: statement.type === "create_view_stmt", sites: walk.readSites, shape: workShape(statement) });
}

export function viewPlan(definition: string): ViewPlan {
  const cached = views.get(definition);
  if (cached) return cached;
  const statement = onlyStatement(definition);
  const clauses = Array.isArray(statement.clauses) ? statement.clauses.filter(isNode) : [];
  const select = field(clauses.find((c) => c.type === "as_clause") ?? statement, "expr");
  if (statement.type !== "create_view_stmt" || !select) throw refusedSyntax("A view's definition could not be read.");
  const [start, end] = rangeOf(select);
  const walk = new TableWalk();
  walk.visit(select, []);
  const columns = field(statement, "columns");
  return remember(views, definition, {
    body: definition.slice(start, end),
    columns: columns ? listItems(field(columns, "expr")).map(columnName) : null,
    sites: walk.readSites.map((site) => ({ ...site, range: [site.range[0] - start, site.range[1] - start] })),
    shape: workShape(select) ?? { kind: "values", rows: 1 },
  });
}

function columnName(node: CstNode): string {
  const name = field(node, "name") ?? node;
  return typeof name.name === "string" ? name.name : String(name.text ?? "");
}
