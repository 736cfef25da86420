// A loose view of sql-parser-cst's tree: the guard walks every node generically (so that nothing it does
// not know can hide a table), and reads the few fields it needs by name.

export interface CstNode {
  type: string;
  range?: [number, number];
  [field: string]: unknown;
}

export const isNode = (value: unknown): value is CstNode =>
  typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";

/** The field as a node, if it is one. */
export function field(node: CstNode, name: string): CstNode | undefined {
  const value = node[name];
  return isNode(value) ? value : undefined;
}

/** Every child node, in source order of the fields (keywords included). */
export function children(node: CstNode): CstNode[] {
  const out: CstNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "range" || key === "type") continue;
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isNode(item)) out.push(item);
  }
  return out;
}

/** The items of a `list_expr` (or the node itself when it is not a list). */
export function listItems(node: CstNode | undefined): CstNode[] {
  if (!node) return [];
  if (node.type !== "list_expr") return [node];
  const items = node.items;
  return Array.isArray(items) ? items.filter(isNode) : [];
}

export function rangeOf(node: CstNode): [number, number] {
  if (!node.range) throw new Error(`CST node ${node.type} has no range; parse with includeRange`);
  return node.range;
}

/** An identifier's name as SQLite sees it (quotes removed), or undefined for any other node. */
export function identifierName(node: CstNode | undefined): string | undefined {
  return node?.type === "identifier" && typeof node.name === "string" ? node.name : undefined;
}

/** The text of the node's source, for nodes whose `text` the parser keeps (identifiers, literals). */
export function sourceText(node: CstNode): string {
  return typeof node.text === "string" ? node.text : "";
}

/** `SELECT` of a compound statement that carries its `WITH` (the parser hangs it on the leftmost part). */
export function leftmostSelect(node: CstNode): CstNode {
  let current = node;
  for (;;) {
    const next = current.type === "compound_select_stmt" ? field(current, "left") : current.type === "paren_expr" ? field(current, "expr") : undefined;
    if (!next) return current;
    current = next;
  }
}

/** `SELECT` of a compound statement that carries its ORDER BY and LIMIT (the rightmost part). */
export function rightmostSelect(node: CstNode): CstNode {
  let current = node;
  for (;;) {
    const next = current.type === "compound_select_stmt" ? field(current, "right") : undefined;
    if (!next) return current;
    current = next;
  }
}
