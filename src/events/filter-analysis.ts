import { Environment, type ASTNode } from "@marcbachmann/cel-js";
import { serialize } from "@marcbachmann/cel-js/serialize";
import { CEL_LIMITS, describeCelError } from "../policy/cel-condition";
import { declaresTopField, isStringField, lookupField, orderedLevels } from "./schema-fields";

// An event filter, read before it is compiled: which fields it reads, whether the event type declares them,
// and which comparisons it makes. Two rewrites make the filter mean what its author meant:
// - `severity >= 'high'` on a string field whose schema is an `enum` compares positions in the enum (an
//   ordered level), not letters: it becomes `__level_0 >= 2`, and the rank of the event's value is
//   supplied when the filter runs. (Compared as text, 'low' >= 'high' and 'critical' < 'high'.)
// - a bare `type` is CEL's type function; in a filter it reads the event's type (or a `data.type`), so it
//   becomes the variable `__type`.
// The result is serialised back to CEL and compiled once per definition revision and event type version.

/** The variables a filter may read besides the data fields. */
export const ENVELOPE_NAMES = ["type", "source", "event_id"] as const;
const EVENT_FIELDS = ["event_id", "type", "source", "data", "time"];
const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);
const ORDERING = new Set(["<", "<=", ">", ">="]);
export const TYPE_VARIABLE = "__type";
const MAX_FILTER_LENGTH = 4096;

/** The registered schema a filter is checked against, or null when its type is not registered. */
export interface FilterSchema {
  type: string;
  schema: unknown;
}

/** A comparison with an ordered level, rewritten: the variable holds the rank of the value at `path`. */
export interface LevelVariable {
  variable: string;
  /** The field as the filter wrote it (`severity`, `event.data.severity`). */
  field: string;
  path: string[];
  levels: string[];
}

/** A field the filter reads, for saying what it saw: a path into `data`, or one of the envelope's fields. */
export type FieldRead = { label: string; kind: "data"; path: string[] } | { label: string; kind: "envelope"; field: string };

export interface FilterPlan {
  /** The CEL to compile, after the rewrites (the text itself when there were none). */
  expression: string;
  levels: LevelVariable[];
  reads: FieldRead[];
  /** Mistakes: a field the registered type does not declare, a level that is not one of its values. */
  errors: string[];
  /** Legal but likely wrong: strings compared alphabetically. */
  warnings: string[];
}

export type FilterAnalysis = { ok: true; plan: FilterPlan } | { ok: false; message: string };

export const filterEnvironment = new Environment({ unlistedVariablesAreDyn: true, limits: CEL_LIMITS }).registerVariable("event", "map<string, dyn>");

interface Node {
  op: string;
  args: unknown;
}

const node = (op: string, args: unknown): Node => ({ op, args });
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && "op" in v && "args" in v;
const isStringLiteral = (n: Node): n is Node & { args: string } => n.op === "value" && typeof n.args === "string";

/** `a.b['c']` as a root name and the names selected after it; null when it is not such a chain. */
function chainOf(n: Node): { root: string; rest: string[] } | null {
  if (n.op === "id" && typeof n.args === "string") return { root: n.args, rest: [] };
  if (n.op === "." && Array.isArray(n.args) && isNode(n.args[0]) && typeof n.args[1] === "string") {
    const inner = chainOf(n.args[0]);
    return inner ? { root: inner.root, rest: [...inner.rest, n.args[1]] } : null;
  }
  if (n.op === "[]" && Array.isArray(n.args) && isNode(n.args[0]) && isNode(n.args[1]) && isStringLiteral(n.args[1])) {
    const inner = chainOf(n.args[0]);
    return inner ? { root: inner.root, rest: [...inner.rest, n.args[1].args] } : null;
  }
  return null;
}

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
const fieldText = (path: readonly string[]) => path.join(".");

/**
 * Reads a filter against its event type's schema (null: the type is not registered). A filter that does not
 * parse is `ok: false`; everything else is a plan, with its errors and warnings.
 */
export function analyseFilter(text: string, registered: FilterSchema | null, eventType: string): FilterAnalysis {
  if (text.trim() === "") return { ok: false, message: "is empty: remove `filter` to match every event of the type" };
  if (text.length > MAX_FILTER_LENGTH) return { ok: false, message: `is longer than ${MAX_FILTER_LENGTH} characters` };
  let ast: Node;
  try {
    ast = filterEnvironment.parse(text).ast as unknown as Node;
  } catch (err) {
    return { ok: false, message: `does not parse as CEL: ${describeCelError(err, text)}` };
  }
  const schema = registered?.schema;
  const errors: string[] = [];
  const warnings: string[] = [];
  const levels: LevelVariable[] = [];
  const reads = new Map<string, FieldRead>();
  let rewritten = false;
  const unregistered = `event type '${eventType}' is not registered`;

  /** A chain as a field of the event: the data path it reads, or the envelope field; null for a bound variable. */
  const classify = (chain: { root: string; rest: string[] }, bound: ReadonlySet<string>): FieldRead | null => {
    if (bound.has(chain.root)) return null;
    if (chain.root === "event") {
      const [field, ...below] = chain.rest;
      if (field === undefined) return { label: "event", kind: "envelope", field: "event" };
      if (!EVENT_FIELDS.includes(field)) {
        errors.push(`reads \`event.${fieldText(chain.rest)}\`, but an event has only ${EVENT_FIELDS.join(", ")}: write \`event.data.${fieldText(chain.rest)}\` or \`${fieldText(chain.rest)}\``);
        return null;
      }
      if (field === "data" && below.length > 0) return { label: `event.${fieldText(chain.rest)}`, kind: "data", path: below };
      return { label: `event.${field}`, kind: "envelope", field };
    }
    const envelope = (ENVELOPE_NAMES as readonly string[]).includes(chain.root);
    if (envelope && chain.rest.length === 0 && (schema === undefined || !declaresTopField(schema, chain.root)))
      return { label: chain.root, kind: "envelope", field: chain.root };
    return { label: fieldText([chain.root, ...chain.rest]), kind: "data", path: [chain.root, ...chain.rest] };
  };

  const noteRead = (read: FieldRead) => {
    if (!reads.has(read.label)) reads.set(read.label, read);
    if (read.kind !== "data" || schema === undefined) return;
    const found = lookupField(schema, read.path);
    if (found.kind === "undeclared") {
      const known = found.known.length > 0 ? `it declares ${found.known.map((k) => `\`${k}\``).join(", ")}` : "it declares no fields there";
      errors.push(`reads \`${fieldText(found.at)}\`, which event type '${registered!.type}' does not declare (${known})`);
    }
  };

  /** The schema of a data field, when the registered type declares it. */
  const fieldSchema = (path: string[]): unknown => {
    if (schema === undefined) return undefined;
    const found = lookupField(schema, path);
    return found.kind === "declared" ? found.schema : undefined;
  };

  const compare = (n: Node, bound: ReadonlySet<string>): Node | null => {
    const [left, right] = n.args as [Node, Node];
    const leftChain = chainOf(left);
    const rightChain = chainOf(right);
    const fieldOnLeft = leftChain !== null && isStringLiteral(right);
    const fieldOnRight = rightChain !== null && isStringLiteral(left);
    if (!fieldOnLeft && !fieldOnRight) return null;
    const read = classify((fieldOnLeft ? leftChain : rightChain)!, bound);
    if (!read) return null;
    noteRead(read);
    const literal = ((fieldOnLeft ? right : left) as Node & { args: string }).args;
    const ordering = ORDERING.has(n.op);
    const declared = read.kind === "data" ? fieldSchema(read.path) : undefined;
    const levelsOf = declared === undefined ? null : orderedLevels(declared);
    if (levelsOf !== null) {
      const rank = levelsOf.indexOf(literal);
      if (rank < 0) {
        const message = `compares \`${read.label}\` with ${quote(literal)}, which is not one of its levels (${levelsOf.join(", ")})`;
        if (ordering) errors.push(message);
        else if (n.op === "==" || n.op === "!=") warnings.push(`${message}: this comparison ${n.op === "==" ? "never" : "always"} holds`);
        return null;
      }
      if (!ordering || read.kind !== "data") return null;
      let level = levels.find((l) => l.field === read.label);
      if (!level) {
        level = { variable: `__level_${levels.length}`, field: read.label, path: read.path, levels: levelsOf };
        levels.push(level);
      }
      rewritten = true;
      const variable = node("id", level.variable);
      const position = node("value", BigInt(rank));
      return node(n.op, fieldOnLeft ? [variable, position] : [position, variable]);
    }
    if (!ordering) return null;
    const alphabetical = `compares \`${read.label}\` with ${quote(literal)} alphabetically (as text, 'critical' < 'high' and 'low' > 'high')`;
    if (registered === null) warnings.push(`${alphabetical}: ${unregistered}; register it with \`${read.label}\` as an enum to compare levels in order`);
    else if (declared === undefined) warnings.push(`${alphabetical}: event type '${registered.type}' gives \`${read.label}\` no schema to order it by`);
    else if (isStringField(declared)) warnings.push(`${alphabetical}: give \`${read.label}\` an enum in event type '${registered.type}' to compare levels in order`);
    else warnings.push(`compares \`${read.label}\` with the text ${quote(literal)}, but event type '${registered.type}' does not declare it a string: the comparison fails on every event`);
    return null;
  };

  const visit = (n: Node, bound: ReadonlySet<string>): Node => {
    const chain = chainOf(n);
    if (chain) {
      const read = classify(chain, bound);
      if (read) noteRead(read);
      if (n.op === "id" && n.args === "type" && !bound.has("type")) {
        rewritten = true;
        return node("id", TYPE_VARIABLE);
      }
      return n;
    }
    if (ORDERING.has(n.op) || n.op === "==" || n.op === "!=") {
      const replaced = compare(n, bound);
      if (replaced) return replaced;
    }
    const args = n.args;
    switch (n.op) {
      case "value":
      case "id":
        return n;
      case "!_":
      case "-_":
        return node(n.op, visit(args as Node, bound));
      case ".":
      case ".?": {
        const [target, field] = args as [Node, string];
        return node(n.op, [visit(target, bound), field]);
      }
      case "call": {
        const [name, list] = args as [string, Node[]];
        return node(n.op, [name, list.map((a) => visit(a, bound))]);
      }
      case "rcall": {
        const [name, target, list] = args as [string, Node, Node[]];
        const variable = list[0];
        const binds = (COMPREHENSIONS.has(name) || (name === "bind" && target.op === "id" && target.args === "cel")) && variable?.op === "id" && typeof variable.args === "string";
        const inner = binds ? new Set([...bound, variable.args as string]) : bound;
        // `cel.bind(x, init, body)`: `cel` is no field; `init` is read outside the binding.
        const visitedTarget = name === "bind" && target.op === "id" && target.args === "cel" ? target : visit(target, bound);
        return node(n.op, [name, visitedTarget, list.map((a, i) => (binds && i === 0 ? a : visit(a, name === "bind" && i === 1 ? bound : inner)))]);
      }
      case "list":
        return node(n.op, (args as Node[]).map((a) => visit(a, bound)));
      case "map":
        return node(n.op, (args as [Node, Node][]).map(([k, v]) => [visit(k, bound), visit(v, bound)]));
      default:
        return Array.isArray(args) ? node(n.op, args.map((a) => (isNode(a) ? visit(a, bound) : a))) : n;
    }
  };

  const result = visit(ast, new Set());
  const plan: FilterPlan = {
    expression: rewritten ? serialize(result as unknown as ASTNode) : text,
    levels,
    reads: [...reads.values()],
    errors: [...new Set(errors)],
    warnings: [...new Set(warnings)],
  };
  const checked = filterEnvironment.parse(plan.expression).check();
  if (!checked.valid) {
    const where = rewritten ? translate(describeCelError(checked.error, plan.expression).replace(/ \(at column \d+\)$/, ""), plan) : describeCelError(checked.error, text);
    return { ok: false, message: `does not type-check as CEL: ${where}` };
  }
  if (checked.type !== "bool" && checked.type !== "dyn") return { ok: false, message: `must be a condition (a bool), not ${checked.type}` };
  return { ok: true, plan };
}

/** A message about the rewritten expression in the filter's own words: its level variables named by their fields. */
export function translate(message: string, plan: Pick<FilterPlan, "levels">): string {
  let out = message.replaceAll(TYPE_VARIABLE, "type");
  for (const level of plan.levels) out = out.replaceAll(level.variable, `${level.field} (as a level)`);
  return out;
}
