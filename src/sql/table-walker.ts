import { ALLOWED_FUNCTIONS, ALLOWED_TABLE_FUNCTIONS } from "./allowed-functions";
import { type CstNode, children, field, identifierName, isNode, leftmostSelect, listItems, rangeOf } from "./cst";
import { RefusedTableError, refusedSyntax } from "./guard-errors";
import { INTERVAL_MARKER } from "./interval-literal";
import { isProtectedTable } from "./row-rules";
import { foldName, isReservedName, readRefusal, writeRefusal } from "./sql-names";
import { systemTableAlias } from "./system-table-aliases";

export type Access = "read" | "write" | "schema";

/** A name in a table position, as written. */
export interface TableRef {
  name: string;
  access: Access;
}

/** Where a table name stands: a FROM item (`named` when it carries its own alias) or the right of `x IN t`. */
type TablePosition = "from" | "from-named" | "in";

/** A read of one of HatiData's system table names (system-table-aliases.ts), which guard.ts rewrites. */
export interface AliasRef {
  /** The alias, folded. */
  alias: string;
  /** The source range of the name (schema included) to replace. */
  start: number;
  end: number;
  /** Whether the rewrite must name the subquery after the alias (a FROM item without an alias of its own). */
  needsName: boolean;
}

/**
 * One place where a statement reads a table or view by name (not a CTE), with what a rewrite of that
 * place needs to know: the row rule replaces a protected table's name by a filtered subquery there.
 */
export interface ReadSite {
  /** Folded, as SQLite compares names. */
  name: string;
  /** The name as written, `main.` included. */
  range: [number, number];
  /** Followed by its own alias (`FROM _memory m`), so the subquery needs none. */
  aliased: boolean;
  /** `INDEXED BY` / `NOT INDEXED` follows: a subquery cannot take it. */
  indexed: boolean;
  /** `x IN name`, where a subquery must be written `x IN (SELECT ...)`. */
  inList: boolean;
  qualified: boolean;
}

// The walk finds every table a statement touches. It is scope-aware only where SQLite is: an unqualified
// name in a FROM is a CTE when a WITH around it (including its own, for every CTE of that WITH) names it,
// else a table; DML targets and qualified names are always tables; views' bodies see no outer CTE.
// Nodes it does not know are refused rather than walked past, so new syntax can never hide a table.

/** Node types whose children are expressions or names of columns, never tables. */
const EXPRESSION_NODES = new Set([
  "list_expr", "paren_expr", "prefix_op_expr", "postfix_op_expr", "between_expr", "case_expr", "case_when",
  "case_else", "cast_expr", "cast_arg", "data_type_name", "func_args", "filter_arg", "over_arg",
  "window_definition", "partition_by_clause", "order_by_clause", "sort_specification", "sort_direction_asc",
  "sort_direction_desc", "frame_clause", "frame_between", "frame_bound_preceding", "frame_bound_following",
  "frame_bound_current_row", "frame_unbounded", "frame_exclusion", "alias", "all_columns", "member_expr",
  "identifier", "keyword", "string_literal", "number_literal", "blob_literal", "null_literal", "boolean_literal",
  "raise_expr", "raise_expr_type", "empty", "select_clause", "select_all", "select_distinct", "where_clause",
  "group_by_clause", "having_clause", "window_clause", "named_window", "limit_clause", "values_clause",
  "default_values", "upsert_clause", "upsert_action_update", "upsert_action_nothing", "set_clause",
  "column_assignment", "returning_clause", "index_specification", "or_alternate_action", "join_on_specification",
  "join_using_specification", "column_definition", "constraint", "constraint_name", "constraint_primary_key",
  "constraint_unique", "constraint_check", "constraint_default", "constraint_not_null", "constraint_null",
  "constraint_collate", "constraint_generated", "constraint_foreign_key", "constraint_auto_increment",
  "referential_action", "referential_match", "on_conflict_clause", "table_option", "collate_expr",
]);

/** What one statement's walk found. */
export class TableWalk {
  readonly tables: TableRef[] = [];
  /** Reads of HatiData's table names, in source order; the tables they alias are in `tables`. */
  readonly aliasRefs: AliasRef[] = [];
  /** Every place a table or view is read by name, in the order walked. */
  readonly readSites: ReadSite[] = [];
  /** Positional values the statement binds: `?` takes the next number, `?NNN` that number. */
  parameterCount = 0;
  /** SELECTs (subqueries and CTE bodies included) and the names and functions in table positions. */
  selects = 0;
  sources = 0;
  private readonly seen = new Set<string>();
  private readonly handledWith = new Set<CstNode>();

  add(name: string, access: Access): void {
    const key = `${access}:${foldName(name)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.tables.push({ name, access });
  }

  /** Walks an expression or clause; scope lists the CTE names visible there (folded). */
  visit(node: CstNode, scope: readonly string[]): void {
    switch (node.type) {
      case "select_stmt":
        return this.select(node, scope);
      case "compound_select_stmt":
        return this.compound(node, scope);
      case "func_call":
        return this.funcCall(node, scope);
      case "binary_expr":
        return this.binary(node, scope);
      case "parameter":
        return this.parameter(node);
      case "references_specification": {
        // A foreign key reads its parent table on every write: key material must not be probed that way,
        // nor may it tell which rows of a protected table exist (the row rule cannot filter a key check).
        const parent = this.tableRef(field(node, "table"), "read", [], { foreignKey: true });
        if (parent !== undefined && isProtectedTable(parent))
          throw refusedSyntax(`A foreign key may not reference '${parent}': its rows are shown per caller, and a key check would tell which exist.`);
        return;
      }
      case "with_clause":
        if (this.handledWith.has(node)) return;
        throw refusedSyntax("WITH is only supported at the start of a statement.");
    }
    if (!EXPRESSION_NODES.has(node.type)) throw refusedSyntax(`Switchyard's SQL guard does not support this syntax (${node.type}).`);
    for (const child of children(node)) this.visit(child, scope);
  }

  /** Handles a statement's leading WITH: its CTE bodies, and the scope for the rest. */
  withClause(clause: CstNode | undefined, scope: readonly string[]): readonly string[] {
    if (clause?.type !== "with_clause") return scope;
    this.handledWith.add(clause);
    const ctes = listItems(field(clause, "tables"));
    const names = ctes.map((cte) => {
      const name = identifierName(field(cte, "table")) ?? "";
      if (isReservedName(name)) throw refusedSyntax(`A WITH name may not be reserved ('${name}'): names starting with _, sqlite_, d1_ or pragma_ belong to Switchyard and SQLite.`);
      return foldName(name);
    });
    const inner = [...scope, ...names];
    for (const cte of ctes) {
      const body = field(field(cte, "expr") ?? cte, "expr");
      if (body?.type !== "select_stmt" && body?.type !== "compound_select_stmt") throw refusedSyntax("A WITH table must be a SELECT.");
      this.visit(body, inner);
    }
    return inner;
  }

  private select(node: CstNode, scope: readonly string[]): void {
    this.selects++;
    const clauses = Array.isArray(node.clauses) ? node.clauses.filter(isNode) : [];
    const first = clauses[0];
    // A compound statement's WITH was taken in already, with the scope passed here.
    const inner = first && this.handledWith.has(first) ? scope : this.withClause(first, scope);
    for (const clause of clauses) {
      if (clause === first && clause.type === "with_clause") continue;
      if (clause.type === "from_clause") this.tableExpr(field(clause, "expr"), inner);
      else this.visit(clause, inner);
    }
  }

  private compound(node: CstNode, scope: readonly string[]): void {
    // The WITH of `WITH … SELECT … UNION SELECT …` covers every part, though the tree hangs it on the first.
    const first = leftmostSelect(node);
    const clauses = Array.isArray(first.clauses) ? first.clauses.filter(isNode) : [];
    const inner = this.withClause(clauses[0], scope);
    for (const part of [field(node, "left"), field(node, "right")]) if (part) this.visit(part, inner);
  }

  /** A FROM item: tables, joins, subqueries, table-valued functions. */
  tableExpr(node: CstNode | undefined, scope: readonly string[]): void {
    if (!node) return;
    switch (node.type) {
      case "join_expr":
        this.tableExpr(field(node, "left"), scope);
        this.tableExpr(field(node, "right"), scope);
        if (field(node, "specification")) this.visit(field(node, "specification") as CstNode, scope);
        return;
      case "alias":
      case "indexed_table":
      case "not_indexed_table": {
        // A table's name keeps its alias and INDEXED BY with it: the row rule's rewrite needs to know.
        let inner = field(node, node.type === "alias" ? "expr" : "table");
        if (inner?.type === "alias") inner = field(inner, "expr");
        if (inner?.type === "identifier" || inner?.type === "member_expr") {
          this.tableRef(node, "read", scope, { position: node.type === "alias" ? "from-named" : "from" });
          return;
        }
        return this.tableExpr(field(node, node.type === "alias" ? "expr" : "table"), scope);
      }
      case "paren_expr": {
        const inner = field(node, "expr");
        if (inner?.type === "select_stmt" || inner?.type === "compound_select_stmt") return this.visit(inner, scope);
        return this.tableExpr(inner, scope);
      }
      case "func_call":
        return this.tableFunction(node, scope);
      case "identifier":
      case "member_expr":
        this.tableRef(node, "read", scope, { position: "from" });
        return;
    }
    throw refusedSyntax(`Switchyard's SQL guard does not support this FROM item (${node.type}).`);
  }

  /**
   * Records a table reference (unless it names a CTE in scope) and returns its name; refuses schemas other
   * than `main` and tables that are never reachable this way. `position` is where a read stands, for the
   * names that are aliases of system tables: they are readable only as FROM items and after IN.
   */
  tableRef(
    node: CstNode | undefined,
    access: Access,
    scope: readonly string[],
    site: { position?: TablePosition; inList?: boolean; indexed?: boolean; foreignKey?: boolean } = {},
  ): string | undefined {
    if (site.indexed === undefined) this.sources++;
    const indexed = site.indexed === true || node?.type === "indexed_table" || node?.type === "not_indexed_table";
    const target = node?.type === "alias" || node?.type === "indexed_table" || node?.type === "not_indexed_table" ? field(node, node.type === "alias" ? "expr" : "table") : node;
    if (target?.type === "alias") return this.tableRef(target, access, scope, { ...site, indexed });
    const position = site.position;
    const { schema, name } = qualifiedName(target);
    if (schema === undefined && access === "read" && scope.includes(foldName(name))) return undefined;
    const reason = access === "read" ? readRefusal(name) : writeRefusal(name);
    if (reason) throw new RefusedTableError(foldName(name), access === "read" ? "query:read" : "query:write", reason);
    const alias = systemTableAlias(foldName(name));
    if (alias && target) {
      if (position === undefined)
        throw refusedSyntax(`'${name}' is another name of ${alias.table}, readable in FROM and IN only; name ${alias.table} here instead.`);
      const [start, end] = rangeOf(target);
      this.aliasRefs.push({ alias: foldName(name), start, end, needsName: position === "from" });
      this.add(alias.table, access);
      return name;
    }
    this.add(name, access);
    if (access === "read" && target?.range && site.foreignKey !== true)
      this.readSites.push({ name: foldName(name), range: target.range, aliased: node?.type === "alias", indexed, inList: site.inList === true, qualified: schema !== undefined });
    return name;
  }

  private tableFunction(node: CstNode, scope: readonly string[]): void {
    this.sources++;
    const name = foldName(identifierName(field(node, "name")) ?? "");
    if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
      if (name.startsWith("pragma_")) throw refusedSyntax(`PRAGMA functions (${name}) are refused: they reach outside the data layer.`);
      throw refusedSyntax(`The table-valued function '${name}' is not allowed; allowed: ${[...ALLOWED_TABLE_FUNCTIONS].join(", ")}.`);
    }
    for (const child of children(node)) if (child !== field(node, "name")) this.visit(child, scope);
  }

  private funcCall(node: CstNode, scope: readonly string[]): void {
    const nameNode = field(node, "name");
    const name = identifierName(nameNode);
    if (name === undefined) throw refusedSyntax("Function names may not be qualified.");
    const folded = foldName(name);
    // CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME are keywords the parser shapes as calls without arguments.
    const keywordCall = node.args === undefined && ["current_timestamp", "current_date", "current_time"].includes(folded);
    if (!keywordCall && folded !== "now" && folded !== INTERVAL_MARKER && !ALLOWED_FUNCTIONS.has(folded)) {
      if (folded === "load_extension") throw refusedSyntax("load_extension is refused: extensions reach outside the data layer.");
      throw refusedSyntax(`The function '${name}' is not allowed. Switchyard allows SQLite's core, date/time, math, aggregate, window and JSON functions; see the README's SQL section.`);
    }
    for (const child of children(node)) if (child !== nameNode) this.visit(child, scope);
  }

  private binary(node: CstNode, scope: readonly string[]): void {
    const right = field(node, "right");
    const left = field(node, "left");
    // `x IN t` and `x IN f(…)` name a table (or a table-valued function), not a column.
    if (isInOperator(node.operator) && right && (right.type === "identifier" || right.type === "member_expr" || right.type === "func_call")) {
      if (left) this.visit(left, scope);
      if (right.type === "func_call") this.tableFunction(right, scope);
      else this.tableRef(right, "read", scope, { inList: true, position: "in" });
      return;
    }
    for (const child of children(node)) this.visit(child, scope);
  }

  private parameter(node: CstNode): void {
    const text = typeof node.text === "string" ? node.text : "";
    if (text === "?") {
      this.parameterCount++;
      return;
    }
    const numbered = /^\?(\d{1,3})$/.exec(text);
    const index = numbered ? Number(numbered[1]) : NaN;
    if (!(index >= 1 && index <= 100))
      throw refusedSyntax(
        numbered ? `Parameter ${text} is out of range: ?1 to ?100.` : `Named parameters (${text}) are not supported: use ? or ?NNN with a positional \`params\` array.`,
      );
    this.parameterCount = Math.max(this.parameterCount, index);
  }
}

const isInOperator = (operator: unknown): boolean => {
  const words = (Array.isArray(operator) ? operator : [operator]).map((kw) => (isNode(kw) && typeof kw.name === "string" ? kw.name : kw));
  return words.at(-1) === "IN";
};

/** `name` or `schema.name`; only the main schema is reachable (temp and attached ones are not). */
export function qualifiedName(node: CstNode | undefined): { schema?: string; name: string } {
  const plain = identifierName(node);
  if (plain !== undefined) return { name: plain };
  if (node?.type === "member_expr") {
    const schema = identifierName(field(node, "object"));
    const name = identifierName(field(node, "property"));
    if (schema !== undefined && name !== undefined) {
      if (foldName(schema) !== "main") throw refusedSyntax(`Only the main database is reachable; the schema '${schema}' is refused.`);
      return { schema, name };
    }
  }
  throw refusedSyntax(`Switchyard's SQL guard does not support this table name (${node?.type ?? "missing"}).`);
}
