import { sha256Hex } from "../lib/crypto";
import { type CstNode, children, field, identifierName, rangeOf } from "./cst";
import { INTERVAL_MARKER } from "./interval-literal";
import { applyEdits, type Edit } from "./postgres-habits";
import { foldName } from "./sql-names";

// What the audit log keeps of a statement: its text with every literal value replaced by `?`, without
// comments, whitespace collapsed, and the SHA-256 of that text. An INSERT's salaries or a WHERE's
// customer name never reach `_audit_log` (where they would reach readers of that table), while the shape
// of what ran, and whether two rows ran the same statement, are still there to see. Parameter values
// are never stored at all.

export interface StatementDigest {
  /** The statement with `?` for each literal value. */
  text: string;
  /** Hex SHA-256 of `text`. */
  hash: string;
}

const LITERALS = new Set(["string_literal", "number_literal", "blob_literal"]);

/** The digest of one parsed statement; `sql` is the text the tree's ranges refer to. */
export function statementDigest(statement: CstNode, sql: string): StatementDigest {
  const edits: Edit[] = [];
  const collect = (node: CstNode) => {
    if (LITERALS.has(node.type)) {
      const [start, end] = rangeOf(node);
      edits.push({ start, end, text: "?" });
      return;
    }
    // Postgres's INTERVAL '1 hour' reached the parser as a marker call: shown as written, less its value.
    if (node.type === "func_call" && foldName(identifierName(field(node, "name")) ?? "") === INTERVAL_MARKER) {
      const [start, end] = rangeOf(node);
      edits.push({ start, end, text: "INTERVAL ?" });
      return;
    }
    for (const child of children(node)) collect(child);
  };
  collect(statement);
  const [start, end] = rangeOf(statement);
  const text = withoutComments(applyEdits(sql, start, end, edits));
  return { text, hash: sha256Hex(text) };
}

/**
 * Removes comments and collapses whitespace. By now the only quoted text left is quoted names
 * ("…", […], `…`), which are kept as they are; a comment could hold anything, so it goes.
 */
function withoutComments(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const close = ch === '"' ? '"' : ch === "`" ? "`" : ch === "[" ? "]" : ch === "'" ? "'" : null;
    if (close !== null) {
      let j = i + 1;
      for (;;) {
        const end = sql.indexOf(close, j);
        if (end < 0) {
          j = sql.length;
          break;
        }
        if (close !== "]" && sql[end + 1] === close) j = end + 2;
        else {
          j = end + 1;
          break;
        }
      }
      out += sql.slice(i, j);
      i = j;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
      out += " ";
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += " ";
    } else {
      out += ch;
      i++;
    }
  }
  return out.replace(/\s+/g, " ").trim();
}
