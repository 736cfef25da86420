import { type ParserOptions, parse } from "sql-parser-cst";
import { type CstNode, isNode, rangeOf } from "../sql/cst";
import type { SqlParam } from "../sql/schemas";
import { type GuardFinding, enforce } from "./enforce";
import type { GuardRails } from "./rules";

/**
 * The guard rails' PII rule over SQL writes (`POST /v1/query` and a branch's query): the values a statement
 * writes are its string literals and bound parameters in the places that become stored values, `VALUES`
 * rows, the columns an `INSERT … SELECT` selects, and the right-hand side of `SET` (UPDATE, and an upsert's
 * DO UPDATE). Literals elsewhere (a WHERE clause, a join) only pick rows: they are left alone, so redaction
 * never changes which rows a statement touches.
 *
 * Findings are named `sql.literals[i]` (the i-th string literal of the statement as sent, from 0) and
 * `params[j]` (the parameter's position in `params`, from 0). `redact` rewrites the statement's literals
 * and the parameters; the caller guards the rewritten statement again before it runs.
 */

const PARSE_OPTIONS: ParserOptions = { dialect: "sqlite", filename: "sql", includeRange: true, paramTypes: ["?", "?nr"] };

export type SqlEnforcement =
  | { ok: true; sql: string; params: SqlParam[]; findings: GuardFinding[] }
  | { ok: false; refusal: GuardFinding; findings: GuardFinding[] };

interface WrittenValues {
  /** Every string literal in source order, with whether a stored value comes from it. */
  literals: { node: CstNode; written: boolean }[];
  /** 0-based indexes into `params` of the parameters in written places. */
  params: Set<number>;
}

/** Walks one INSERT or UPDATE: every string literal, and which literals and parameters are written. */
function writtenValues(statement: CstNode): WrittenValues {
  const literals: WrittenValues["literals"] = [];
  const params = new Set<number>();
  let highest = 0;

  const visit = (node: CstNode, written: boolean): void => {
    switch (node.type) {
      case "string_literal":
        literals.push({ node, written });
        return;
      case "parameter": {
        // SQLite numbers `?` one past the highest number so far, and `?NNN` as written.
        const text = typeof node.text === "string" ? node.text : "";
        const index = text === "?" ? highest + 1 : Number(text.slice(1));
        if (Number.isInteger(index) && index >= 1) {
          highest = Math.max(highest, index);
          if (written) params.add(index - 1);
        }
        return;
      }
      case "values_clause":
        return visitFields(node, () => true);
      case "column_assignment":
        return visitFields(node, (key) => written || key === "expr");
      case "insert_stmt":
        return visitFields(node, () => written, (child) => (isSelect(child) ? (visitSource(child), true) : false));
      default:
        return visitFields(node, () => written);
    }
  };

  /** The select an INSERT takes its rows from: its selected columns are written, its WHERE and joins are not. */
  const visitSource = (node: CstNode): void => {
    if (node.type === "compound_select_stmt") return visitFields(node, () => false, (child) => (isSelect(child) ? (visitSource(child), true) : false));
    if (node.type === "paren_expr") return visitFields(node, () => false, (child) => (visitSource(child), true));
    if (node.type !== "select_stmt") return visit(node, false);
    visitFields(node, () => false, (child) => (child.type === "select_clause" ? (visitFields(child, (key) => key === "columns"), true) : false));
  };

  /** Visits every child in source order; `handled` may take a child over. */
  const visitFields = (node: CstNode, isWritten: (key: string) => boolean, handled?: (child: CstNode) => boolean): void => {
    for (const [key, value] of Object.entries(node)) {
      if (key === "range" || key === "type") continue;
      for (const child of Array.isArray(value) ? value : [value]) {
        if (!isNode(child) || handled?.(child)) continue;
        visit(child, isWritten(key));
      }
    }
  };

  visit(statement, false);
  return { literals, params };
}

const isSelect = (node: CstNode) => node.type === "select_stmt" || node.type === "compound_select_stmt";

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Applies `rules.pii` to the values an SQL statement writes. A statement that does not parse is passed
 * through untouched: the SQL guard refuses it with its own, better, message.
 */
export function enforceSqlValues(sql: string, params: readonly SqlParam[], rules: GuardRails): SqlEnforcement {
  const unchanged: SqlEnforcement = { ok: true, sql, params: [...params], findings: [] };
  if (rules.pii === undefined) return unchanged;
  let statement: CstNode | undefined;
  try {
    const program = parse(sql, PARSE_OPTIONS) as unknown as { statements: unknown[] };
    statement = program.statements.find(isNode);
  } catch {
    return unchanged; // the guard answers it
  }
  // Only INSERT (REPLACE) and UPDATE store values: a read or a DELETE is left alone.
  if (!statement || (statement.type !== "insert_stmt" && statement.type !== "update_stmt")) return unchanged;
  const { literals, params: writtenParams } = writtenValues(statement);
  const findings: GuardFinding[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [i, { node, written }] of literals.entries()) {
    if (!written || typeof node.value !== "string") continue;
    const result = enforce(node.value, rules, { at: `sql.literals[${i}]` });
    findings.push(...result.findings);
    if (!result.ok) return { ok: false, refusal: result.refusal, findings };
    if (result.value !== node.value) {
      const [start, end] = rangeOf(node);
      edits.push({ start, end, text: quoted(result.value) });
    }
  }
  const outParams = [...params];
  for (const index of [...writtenParams].sort((a, b) => a - b)) {
    const value = params[index];
    if (typeof value !== "string") continue;
    const result = enforce(value, rules, { at: `params[${index}]` });
    findings.push(...result.findings);
    if (!result.ok) return { ok: false, refusal: result.refusal, findings };
    outParams[index] = result.value;
  }
  let out = sql;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return { ok: true, sql: out, params: outParams, findings };
}
