import { parse } from "sql-parser-cst";
import { type CstNode, children, field, identifierName, isNode, rangeOf } from "../sql/cst";
import { foldName } from "../sql/sql-names";

/**
 * Conditions written for a warehouse name their tables with a schema, as the seed's does:
 * `SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'`. D1 has one schema, and Switchyard's
 * tables are plain names (`[A-Za-z][A-Za-z0-9_]*`), so a polling condition's `schema.table` in a FROM
 * reads the table `schema_table`: `staging.pending` is the table `staging_pending`. The rewritten text
 * is what the SQL guard checks and what runs (the trigger listing shows it), exactly as if the author
 * had typed it. A name without an alias keeps its own as one (`staging_pending AS pending`), so
 * `pending.status` still resolves. `main.` and `temp.` are SQLite's own schemas and are left alone (the
 * guard decides about them); text that does not parse is returned unchanged for the guard to refuse.
 */
const SQLITE_SCHEMAS = new Set(["main", "temp"]);
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const quoted = (name: string) => (PLAIN_IDENTIFIER.test(name) ? name : `"${name.replaceAll('"', '""')}"`);

interface Edit {
  start: number;
  end: number;
  text: string;
}

export function flattenSchemaNames(sql: string): string {
  let program: unknown;
  try {
    program = parse(sql, { dialect: "sqlite", includeRange: true, paramTypes: ["?", "?nr", ":name", "@name", "$name"] });
  } catch {
    return sql;
  }
  if (!isNode(program)) return sql;
  const edits: Edit[] = [];
  visit(program, edits);
  if (edits.length === 0) return sql;
  let out = sql;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function visit(node: CstNode, edits: Edit[]): void {
  if (node.type === "from_clause") {
    const expr = field(node, "expr");
    if (expr) fromItem(expr, edits, false);
  }
  for (const child of children(node)) visit(child, edits);
}

/** A FROM item: a table name (perhaps aliased or INDEXED BY), a join of items, or a parenthesised one. */
function fromItem(node: CstNode, edits: Edit[], aliased: boolean): void {
  switch (node.type) {
    case "join_expr":
      for (const side of ["left", "right"]) {
        const item = field(node, side);
        if (item) fromItem(item, edits, false);
      }
      return;
    case "alias": {
      const expr = field(node, "expr");
      if (expr) fromItem(expr, edits, true);
      return;
    }
    case "indexed_table":
    case "not_indexed_table": {
      const table = field(node, "table");
      if (table) fromItem(table, edits, aliased);
      return;
    }
    case "paren_expr": {
      const inner = field(node, "expr");
      if (inner && inner.type !== "select_stmt" && inner.type !== "compound_select_stmt") fromItem(inner, edits, aliased);
      return;
    }
    case "member_expr": {
      const schema = identifierName(field(node, "object"));
      const table = identifierName(field(node, "property"));
      if (schema === undefined || table === undefined || SQLITE_SCHEMAS.has(foldName(schema))) return;
      const [start, end] = rangeOf(node);
      const flat = quoted(`${schema}_${table}`);
      edits.push({ start, end, text: aliased ? flat : `${flat} AS ${quoted(table)}` });
      return;
    }
  }
}
