import { ApiError } from "../http/errors";
import { type CstNode, field, isNode, rangeOf, rightmostSelect } from "./cst";
import { RefusedTableError, refusedSyntax } from "./guard-errors";
import { markIntervals } from "./interval-literal";
import { MAX_SQL_LENGTH } from "./limits";
import { onlyStatement } from "./parse";
import { applyEdits, habitEdits } from "./postgres-habits";
import { foldName } from "./sql-names";
import { type StatementDigest, statementDigest } from "./statement-digest";
import { type StatementKind, analyseStatement } from "./statement-tables";
import { aliasSubquery, systemTableAlias } from "./system-table-aliases";
import { type Access, type AliasRef, TableWalk } from "./table-walker";

export type { StatementKind } from "./statement-tables";

/** A table a statement touches, by its name folded as SQLite folds it (ASCII lower case). */
export interface TableAccess {
  name: string;
  access: Access;
}

export interface GuardedSql {
  kind: StatementKind;
  /** Every table touched, once per kind of access; views are followed to the tables they read. */
  tables: TableAccess[];
  /** The statement to execute: one statement, the Postgres habits rewritten, no trailing `;`. */
  sql: string;
  /** How many positional values the statement binds (`?` and `?NNN`). */
  parameterCount: number;
  /**
   * One SELECT over at most one table (not a view), or a change of one table without subqueries: its work
   * is one pass at most, so the work bounds need not look at it.
   */
  simple: boolean;
  /** The views (folded name → definition) the statement was read against. */
  views: ReadonlyMap<string, string>;
  /** For writes and schema changes, what the audit log keeps: the text without literal values, and its hash. */
  digest?: StatementDigest;
}

export interface GuardOptions {
  /** View name → its `CREATE VIEW` SQL (from sqlite_master), so reads through views are followed. */
  views?: ReadonlyMap<string, string>;
  /** Index name → the table it belongs to (from sqlite_master), so DROP INDEX is authorised on that table. */
  indexes?: ReadonlyMap<string, string>;
  /** When set, a SELECT without a LIMIT of its own is given `LIMIT rowLimit`, so the database stops early. */
  rowLimit?: number;
}

export { MAX_SQL_LENGTH };
const MAX_VIEW_DEPTH = 16;

interface Analysis {
  kind: StatementKind;
  tables: TableAccess[];
  sql: string;
  parameterCount: number;
  /** At most one SELECT and one name or function in a table position. */
  single: boolean;
  digest?: StatementDigest;
}

// Agents repeat their queries: the analysis of a statement (which does not depend on the views) is kept,
// so the parser runs once per distinct SQL text per isolate.
const CACHE_SIZE = 512;
const analyses = new Map<string, Analysis>();
const viewBodies = new Map<string, TableAccess[]>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/**
 * Checks one user statement and says what it does: its kind, every table it touches, and the SQL to run.
 * Throws ApiError: 400 for refused statements, functions and syntax; 403 (RefusedTableError) for tables
 * that are never reachable that way; 422 for SQL that does not parse. Never anything else.
 */
export function guardSql(sql: string, options: GuardOptions = {}): GuardedSql {
  try {
    const { single, ...analysis } = analyse(sql, options);
    const views = foldedKeys(options.views);
    const readsView = analysis.tables.some((t) => t.access === "read" && views.has(t.name));
    const simple = single && !readsView;
    if (!readsView) return { ...analysis, tables: [...analysis.tables], simple, views };
    const tables = new Map(analysis.tables.map((t) => [`${t.access}:${t.name}`, t]));
    for (const table of analysis.tables) {
      if (table.access !== "read") continue;
      for (const read of viewReads(table.name, views, [])) tables.set(`read:${read.name}`, read);
    }
    return { ...analysis, tables: [...tables.values()], simple, views };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // Input deep enough to exhaust the stack, or anything else the guard did not foresee: refused, not a 5xx.
    if (err instanceof RangeError) throw new ApiError("unprocessable", "The SQL is nested too deeply to analyse.", undefined, { cause: err });
    throw new ApiError("unprocessable", "The SQL could not be analysed; simplify it.", undefined, { cause: err });
  }
}

function analyse(sql: string, options: GuardOptions): Analysis {
  const key = `${options.rowLimit ?? ""}\u0000${sql}`;
  const cached = analyses.get(key);
  if (cached) return cached;
  if (sql.length > MAX_SQL_LENGTH) throw refusedSyntax(`The SQL is over ${MAX_SQL_LENGTH} characters.`);
  let text = markIntervals(sql);
  let statement = onlyStatement(text);
  let walk = new TableWalk();
  let kind = analyseStatement(statement, walk, foldedKeys(options.indexes));
  if (walk.aliasRefs.length > 0) {
    // HatiData's table names: the statement is rewritten to read the real tables, and that statement is
    // what is analysed, authorised, filtered by the row rules and run, exactly as if the user had typed it.
    text = expandAliases(text, walk.aliasRefs);
    statement = onlyStatement(text);
    walk = new TableWalk();
    kind = analyseStatement(statement, walk, foldedKeys(options.indexes));
  }
  const [start, end] = rangeOf(statement);
  let executable = applyEdits(text, start, end, habitEdits(statement, text));
  if (options.rowLimit !== undefined && isPlainSelect(statement)) executable += ` LIMIT ${options.rowLimit}`;
  const tables = walk.tables.map((t) => ({ name: foldName(t.name), access: t.access }));
  const analysis: Analysis = { kind, tables, sql: executable, parameterCount: walk.parameterCount, single: walk.selects <= 1 && walk.sources <= 1 };
  if (kind !== "read") analysis.digest = statementDigest(statement, text);
  // Schema statements depend on the index map; they are rare enough to analyse every time.
  return kind === "schema" ? analysis : remember(analyses, key, analysis);
}

/** The text with each alias reference replaced by its subquery, named after the alias where it needs a name. */
function expandAliases(text: string, refs: readonly AliasRef[]): string {
  // A name is recorded once per place it stands; the walk never visits a node twice, but edits must not overlap.
  const unique = [...new Map(refs.map((ref) => [ref.start, ref])).values()];
  const edits = unique.map((ref) => {
    const alias = systemTableAlias(ref.alias);
    if (!alias) throw new Error(`'${ref.alias}' is recorded as an alias but is none`);
    return { start: ref.start, end: ref.end, text: aliasSubquery(alias) + (ref.needsName ? ` AS ${ref.alias}` : "") };
  });
  return applyEdits(text, 0, text.length, edits);
}

/** A SELECT (or compound) with no LIMIT of its own, which a row cap can be appended to. */
function isPlainSelect(statement: CstNode): boolean {
  if (statement.type !== "select_stmt" && statement.type !== "compound_select_stmt") return false;
  const last = rightmostSelect(statement);
  const clauses = Array.isArray(last.clauses) ? last.clauses.filter(isNode) : [];
  return !clauses.some((c) => c.type === "limit_clause");
}

function foldedKeys(map: ReadonlyMap<string, string> | undefined): ReadonlyMap<string, string> {
  if (!map || map.size === 0) return new Map();
  return new Map([...map].map(([k, v]) => [foldName(k), v]));
}

/** The tables a view reads, following views inside it; refusals name the view they came through. */
function viewReads(name: string, views: ReadonlyMap<string, string>, path: readonly string[]): TableAccess[] {
  const definition = views.get(name);
  if (definition === undefined || path.includes(name)) return [];
  if (path.length >= MAX_VIEW_DEPTH) throw refusedSyntax(`Views nest more than ${MAX_VIEW_DEPTH} deep (at '${name}').`);
  let direct = viewBodies.get(definition);
  if (!direct) {
    try {
      direct = remember(viewBodies, definition, viewBody(definition));
    } catch (err) {
      if (err instanceof RefusedTableError)
        throw new RefusedTableError(err.table, err.action, `${err.reason} (read through the view '${name}')`);
      throw err;
    }
  }
  return [...direct, ...direct.flatMap((t) => viewReads(t.name, views, [...path, name]))];
}

function viewBody(definition: string): TableAccess[] {
  const statement = onlyStatement(definition);
  const body = (Array.isArray(statement.clauses) ? statement.clauses.filter(isNode) : []).find((c) => c.type === "as_clause");
  const select = body && field(body, "expr");
  if (statement.type !== "create_view_stmt" || !select) throw refusedSyntax("A view's definition could not be read.");
  const walk = new TableWalk();
  walk.visit(select, []);
  return walk.tables.map((t) => ({ name: foldName(t.name), access: "read" as const }));
}
