import { type ParserOptions, parse } from "sql-parser-cst";
import { ApiError } from "../http/errors";
import { type CstNode, isNode } from "./cst";
import { refusedSyntax, unparsable } from "./guard-errors";

// One user statement through sql-parser-cst (SQLite dialect, ranges kept): the guard, the row rule's
// rewrite and the work bounds all read the same tree.

const PARSE_OPTIONS: ParserOptions = { dialect: "sqlite", filename: "sql", includeRange: true, paramTypes: ["?", "?nr", ":name", "@name", "$name"] };

export function parseProgram(text: string): CstNode[] {
  try {
    const program: unknown = parse(text, PARSE_OPTIONS);
    const statements = isNode(program) && Array.isArray(program.statements) ? program.statements.filter(isNode) : [];
    return statements.filter((s) => s.type !== "empty");
  } catch (err) {
    if (err instanceof RangeError) throw new ApiError("unprocessable", "The SQL is nested too deeply to parse.", undefined, { cause: err });
    throw unparsable(err instanceof Error ? err.message : String(err), err);
  }
}

export function onlyStatement(text: string): CstNode {
  const statements = parseProgram(text);
  const [statement] = statements;
  if (!statement) throw refusedSyntax("The SQL has no statement.");
  if (statements.length > 1)
    throw refusedSyntax(`Send exactly one statement per query; this SQL has ${statements.length} (a trailing ; is fine).`);
  return statement;
}

