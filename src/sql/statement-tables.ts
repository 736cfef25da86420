import { type CstNode, field, isNode, listItems } from "./cst";
import { RefusedTableError, refusedSyntax } from "./guard-errors";
import { foldName, writeRefusal } from "./sql-names";
import { TableWalk, qualifiedName } from "./table-walker";

export type StatementKind = "read" | "write" | "schema";

// One function per statement family: which kind it is, which names it reads, writes or reshapes. Anything
// not listed here is refused with a reason.

const REFUSED: Record<string, string> = {
  pragma_stmt: "PRAGMA is refused: it reads and changes the database's configuration, outside the data layer.",
  attach_database_stmt: "ATTACH is refused: only the data layer's own database is reachable.",
  detach_database_stmt: "DETACH is refused: only the data layer's own database is reachable.",
  vacuum_stmt: "VACUUM is refused: storage maintenance belongs to the platform.",
  reindex_stmt: "REINDEX is refused: storage maintenance belongs to the platform.",
  analyze_stmt: "ANALYZE is refused: it writes SQLite's statistics tables, which belong to the platform.",
  create_trigger_stmt: "CREATE TRIGGER is refused: triggers would run writes nobody authorised at the time they fire.",
  drop_trigger_stmt: "DROP TRIGGER is refused: triggers belong to Switchyard (they keep the ledger append-only).",
  start_transaction_stmt: "Transactions are refused: each query runs as one statement, in its own transaction.",
  commit_transaction_stmt: "Transactions are refused: each query runs as one statement, in its own transaction.",
  rollback_transaction_stmt: "Transactions are refused: each query runs as one statement, in its own transaction.",
  savepoint_stmt: "Savepoints are refused: each query runs as one statement, in its own transaction.",
  release_savepoint_stmt: "Savepoints are refused: each query runs as one statement, in its own transaction.",
};

const clausesOf = (node: CstNode) => (Array.isArray(node.clauses) ? node.clauses.filter(isNode) : []);

/** Classifies one statement and walks it; `indexes` maps index names (folded) to their tables. */
export function analyseStatement(statement: CstNode, walk: TableWalk, indexes: ReadonlyMap<string, string>): StatementKind {
  const refusal = REFUSED[statement.type];
  if (refusal) throw refusedSyntax(refusal);
  switch (statement.type) {
    case "select_stmt":
    case "compound_select_stmt":
      walk.visit(statement, []);
      return "read";
    case "explain_stmt":
      return explain(statement, walk);
    case "insert_stmt":
    case "update_stmt":
    case "delete_stmt":
      dataChange(statement, walk);
      return "write";
    case "create_table_stmt":
      createTable(statement, walk);
      return "schema";
    case "create_view_stmt":
      createView(statement, walk);
      return "schema";
    case "create_index_stmt":
      createIndex(statement, walk);
      return "schema";
    case "drop_table_stmt":
    case "drop_view_stmt":
      for (const item of listItems(field(statement, statement.type === "drop_table_stmt" ? "tables" : "views"))) walk.tableRef(item, "schema", []);
      refuseKind(statement, "DROP");
      return "schema";
    case "drop_index_stmt":
      for (const item of listItems(field(statement, "indexes"))) dropIndex(item, walk, indexes);
      return "schema";
    case "alter_table_stmt":
      alterTable(statement, walk);
      return "schema";
  }
  throw refusedSyntax(`This kind of statement (${statement.type.replace(/_stmt$/, "").replaceAll("_", " ")}) is not supported through SQL.`);
}

function explain(statement: CstNode, walk: TableWalk): StatementKind {
  const inner = field(statement, "statement");
  if (!statement.queryPlanKw || (inner?.type !== "select_stmt" && inner?.type !== "compound_select_stmt"))
    throw refusedSyntax("Only EXPLAIN QUERY PLAN of a SELECT is supported.");
  walk.visit(inner, []);
  return "read";
}

/** INSERT, UPDATE, DELETE: the target is written; FROM, subqueries, SELECT sources and RETURNING are read. */
function dataChange(statement: CstNode, walk: TableWalk): void {
  const clauses = clausesOf(statement);
  const scope = walk.withClause(clauses[0], []);
  for (const clause of clauses) {
    if (clause.type === "with_clause") continue;
    if (clause.type === "insert_clause") walk.tableRef(field(clause, "table"), "write", scope);
    else if (clause.type === "update_clause" || clause.type === "delete_clause")
      for (const table of listItems(field(clause, "tables"))) walk.tableRef(table, "write", scope);
    else if (clause.type === "from_clause") walk.tableExpr(field(clause, "expr"), scope);
    else walk.visit(clause, scope);
  }
}

/** TEMP and VIRTUAL objects are refused: temp ones escape the main schema, virtual ones load modules. */
function refuseKind(statement: CstNode, verb: string): void {
  const kinds = [statement.kind, ...(Array.isArray(statement.kinds) ? statement.kinds : [])].filter(isNode);
  for (const kind of kinds) {
    const word = field(kind, "kindKw");
    const name = typeof word?.name === "string" ? word.name : kind.type;
    throw refusedSyntax(`${verb} ${name} … is refused: only ordinary tables, views and indexes in the main database are supported.`);
  }
}

function createTable(statement: CstNode, walk: TableWalk): void {
  refuseKind(statement, "CREATE");
  walk.tableRef(field(statement, "name"), "schema", []);
  const columns = field(statement, "columns");
  if (columns) walk.visit(columns, []);
  for (const clause of clausesOf(statement)) {
    if (clause.type !== "as_clause") throw refusedSyntax(`CREATE TABLE … ${clause.type.replaceAll("_", " ")} is not supported.`);
    const body = field(clause, "expr");
    if (body) walk.visit(body, []);
  }
  const options = statement.options;
  if (isNode(options)) walk.visit(options, []);
}

function createView(statement: CstNode, walk: TableWalk): void {
  refuseKind(statement, "CREATE");
  walk.tableRef(field(statement, "name"), "schema", []);
  for (const clause of clausesOf(statement)) {
    const body = clause.type === "as_clause" ? field(clause, "expr") : undefined;
    if (!body) throw refusedSyntax(`CREATE VIEW … ${clause.type.replaceAll("_", " ")} is not supported.`);
    walk.visit(body, []);
  }
}

/** An index takes a name of its own: it may not be reserved either. */
function indexName(node: CstNode | undefined): string {
  const { name } = qualifiedName(node);
  const reason = writeRefusal(name);
  if (reason) throw new RefusedTableError(name, "query:write", reason.replace("is a system table", "belongs to a system table"));
  return name;
}

function createIndex(statement: CstNode, walk: TableWalk): void {
  indexName(field(statement, "name"));
  walk.tableRef(field(statement, "table"), "schema", []);
  const columns = field(statement, "columns");
  if (columns) walk.visit(columns, []);
  for (const clause of clausesOf(statement)) walk.visit(clause, []);
}

function dropIndex(item: CstNode, walk: TableWalk, indexes: ReadonlyMap<string, string>): void {
  const table = indexes.get(foldName(indexName(item)));
  // An index Switchyard does not know of does not exist: SQLite refuses it (or IF EXISTS makes it a no-op).
  if (table !== undefined) walk.tableRef({ type: "identifier", name: table, text: table }, "schema", []);
}

function alterTable(statement: CstNode, walk: TableWalk): void {
  walk.tableRef(field(statement, "table"), "schema", []);
  for (const action of listItems(field(statement, "actions"))) {
    switch (action.type) {
      case "alter_action_rename":
        walk.tableRef(field(action, "newName"), "schema", []);
        break;
      case "alter_action_add_column": {
        const column = field(action, "column");
        if (column) walk.visit(column, []);
        break;
      }
      case "alter_action_rename_column":
      case "alter_action_drop_column":
        break;
      default:
        throw refusedSyntax(`ALTER TABLE … ${action.type.replace(/^alter_action_/, "").replaceAll("_", " ")} is not supported.`);
    }
  }
}
