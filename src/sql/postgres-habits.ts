import { ApiError } from "../http/errors";
import { type CstNode, children, field, identifierName, listItems, rangeOf } from "./cst";
import { INTERVAL_MARKER, intervalModifiers } from "./interval-literal";
import { foldName } from "./sql-names";

// Supervisors type Postgres: NOW(), CURRENT_TIMESTAMP, `ts - INTERVAL '1 hour'`. SQLite's own
// CURRENT_TIMESTAMP is 'YYYY-MM-DD HH:MM:SS', which compares wrongly with the contract's ISO text
// ('…T…Z' sorts after ' '), so each habit becomes strftime in the contract's format (%f is SS.SSS).
// Edits are made on the tree's ranges, so nothing inside a string literal or comment is ever touched.

export const ISO_FORMAT = "'%Y-%m-%dT%H:%M:%fZ'";
const NOW_SQL = `(strftime(${ISO_FORMAT}, 'now'))`;

export interface Edit {
  start: number;
  end: number;
  text: string;
}

const funcName = (node: CstNode) => {
  const name = identifierName(field(node, "name"));
  return name === undefined ? undefined : foldName(name);
};

/** NOW() or the CURRENT_TIMESTAMP keyword (a quoted "current_timestamp" is a column, and not a func_call). */
function isNow(node: CstNode): boolean {
  if (node.type !== "func_call") return false;
  const name = funcName(node);
  if (name === "current_timestamp") return node.args === undefined;
  if (name !== "now") return false;
  if (callArgs(node).length > 0) throw new ApiError("invalid_request", "NOW() takes no arguments.", [{ path: "sql", message: "NOW() takes no arguments" }]);
  return true;
}

function callArgs(node: CstNode): CstNode[] {
  const args = field(field(node, "args") ?? node, "expr");
  return args?.type === "func_args" ? listItems(field(args, "args")) : [];
}

const isMarker = (node: CstNode | undefined): node is CstNode => node?.type === "func_call" && funcName(node) === INTERVAL_MARKER;

function markerText(marker: CstNode): string {
  const [literal, ...rest] = callArgs(marker);
  if (literal?.type !== "string_literal" || rest.length > 0 || typeof literal.value !== "string")
    throw new ApiError("invalid_request", "INTERVAL takes one string, e.g. INTERVAL '1 hour'.", [{ path: "sql", message: "INTERVAL takes one string" }]);
  return literal.value;
}

const operatorOf = (node: CstNode) => (typeof node.operator === "string" ? node.operator : undefined);

/** The edits that rewrite `node`'s subtree. */
export function habitEdits(node: CstNode, sql: string): Edit[] {
  const edits: Edit[] = [];
  collect(node, sql, edits);
  return edits;
}

function collect(node: CstNode, sql: string, edits: Edit[]): void {
  if (isNow(node)) {
    const [start, end] = rangeOf(node);
    edits.push({ start, end, text: NOW_SQL });
    return;
  }
  if (node.type === "binary_expr") {
    const left = field(node, "left");
    const right = field(node, "right");
    const operator = operatorOf(node);
    const interval = isMarker(right) ? right : operator === "+" && isMarker(left) ? left : undefined;
    if (interval && left && right && (operator === "+" || operator === "-")) {
      const base = interval === right ? left : right;
      if (isMarker(base)) throw misplaced();
      const modifiers = intervalModifiers(markerText(interval), operator === "-" ? -1 : 1).map((m) => `'${m}'`);
      const [start, end] = rangeOf(node);
      const from = isNow(base) ? "'now'" : render(base, sql);
      edits.push({ start, end, text: `(strftime(${ISO_FORMAT}, ${from}, ${modifiers.join(", ")}))` });
      return;
    }
  }
  if (isMarker(node)) throw misplaced();
  for (const child of children(node)) collect(child, sql, edits);
}

const misplaced = () =>
  new ApiError(
    "invalid_request",
    "INTERVAL '…' can only be added to or subtracted from a timestamp, e.g. NOW() - INTERVAL '1 hour'.",
    [{ path: "sql", message: "INTERVAL outside `<timestamp> ± INTERVAL '…'`" }],
  );

/** The node's source with the edits inside it applied. */
function render(node: CstNode, sql: string): string {
  const [start, end] = rangeOf(node);
  return applyEdits(sql, start, end, habitEdits(node, sql));
}

/** `sql[start, end)` with non-overlapping edits applied. */
export function applyEdits(sql: string, start: number, end: number, edits: readonly Edit[]): string {
  let out = "";
  let at = start;
  // An insertion (start = end) goes before an edit that starts where it is.
  for (const edit of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    out += sql.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + sql.slice(at, end);
}
