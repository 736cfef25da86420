import { type Schema, type SchemaDraft, Validator, dereference } from "@cfworker/json-schema";

// Whether a JSON Schema is one: checked when it is published (a version's input and output schemas) or
// defined (a workflow's message schemas), so that a broken schema fails there and not at the first task
// that meets it. @cfworker/json-schema validates without eval (workerd has none), but it does not check
// schemas themselves; the structural rules below are ours, written as a schema that the same library
// applies, plus the two things a schema cannot say about itself: that its regular expressions compile
// and that each $ref points at something inside it.

export interface SchemaProblem {
  /** Where in the schema, as a field path relative to it ("" for the schema itself). */
  path: string;
  /** The same path as keys and indexes. */
  parts: (string | number)[];
  message: string;
}

const TYPE_NAMES = ["array", "boolean", "integer", "null", "number", "object", "string"];
const sub: Schema = { $ref: "#" };
const subList: Schema = { type: "array", minItems: 1, items: sub };
const subMap: Schema = { type: "object", additionalProperties: sub };
const count: Schema = { type: "integer", minimum: 0 };
const stringList: Schema = { type: "array", items: { type: "string" }, uniqueItems: true };

/** The shape of the keywords we know; other keywords are allowed, as JSON Schema allows them. */
const SCHEMA_SHAPE: Schema = {
  type: ["object", "boolean"],
  properties: {
    $id: { type: "string" },
    $schema: { type: "string" },
    $ref: { type: "string" },
    $anchor: { type: "string" },
    $comment: { type: "string" },
    $defs: subMap,
    definitions: subMap,
    // Its values are checked below, with a clearer message than a failed anyOf gives.
    type: { type: ["string", "array"] },
    enum: { type: "array" },
    required: stringList,
    properties: subMap,
    patternProperties: subMap,
    dependentSchemas: subMap,
    dependentRequired: { type: "object", additionalProperties: stringList },
    additionalProperties: sub,
    unevaluatedProperties: sub,
    propertyNames: sub,
    not: sub,
    if: sub,
    then: sub,
    else: sub,
    contains: sub,
    additionalItems: sub,
    unevaluatedItems: sub,
    items: { anyOf: [sub, { type: "array", items: sub }] },
    prefixItems: subList,
    allOf: subList,
    anyOf: subList,
    oneOf: subList,
    minLength: count,
    maxLength: count,
    minItems: count,
    maxItems: count,
    minProperties: count,
    maxProperties: count,
    minContains: count,
    maxContains: count,
    minimum: { type: "number" },
    maximum: { type: "number" },
    exclusiveMinimum: { type: ["number", "boolean"] },
    exclusiveMaximum: { type: ["number", "boolean"] },
    multipleOf: { type: "number", exclusiveMinimum: 0 },
    pattern: { type: "string" },
    format: { type: "string" },
    uniqueItems: { type: "boolean" },
    title: { type: "string" },
    description: { type: "string" },
    examples: { type: "array" },
    readOnly: { type: "boolean" },
    writeOnly: { type: "boolean" },
    deprecated: { type: "boolean" },
  },
};

const shapeValidator = new Validator(SCHEMA_SHAPE, "2020-12", false);

/** Every problem found with `schema` as a JSON Schema; empty when it is one. */
export function jsonSchemaProblems(schema: unknown): SchemaProblem[] {
  const shape = shapeValidator.validate(schema);
  const problems: SchemaProblem[] = shape.valid ? [] : shapeProblems(shape.errors);
  walkSchemas(schema, [], (node, path) => {
    if (node.type !== undefined) {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      const wrong = types.filter((t) => typeof t !== "string" || !TYPE_NAMES.includes(t));
      if (wrong.length > 0 || types.length === 0 || new Set(types).size !== types.length)
        problems.push(problemAt([...path, "type"], `must be one of ${TYPE_NAMES.join(", ")} (or a list of distinct ones)${wrong.length > 0 ? `, not ${JSON.stringify(wrong[0])}` : ""}`));
    }
    if (typeof node.pattern === "string") {
      const error = regexError(node.pattern);
      if (error) problems.push(problemAt([...path, "pattern"], `is not a valid regular expression: ${error}`));
    }
    if (isObject(node.patternProperties)) {
      for (const key of Object.keys(node.patternProperties)) {
        const error = regexError(key);
        if (error) problems.push(problemAt([...path, "patternProperties", key], `is not a valid regular expression: ${error}`));
      }
    }
  });
  if (problems.length === 0) problems.push(...referenceProblems(schema));
  return problems;
}

/** The draft a schema declares with `$schema`, else 2020-12. */
export function draftOf(schema: unknown): SchemaDraft {
  const declared = isObject(schema) && typeof schema.$schema === "string" ? schema.$schema : "";
  if (declared.includes("draft-04")) return "4";
  if (declared.includes("draft-07") || declared.includes("draft-06")) return "7";
  if (declared.includes("2019-09")) return "2019-09";
  return "2020-12";
}

/**
 * A validator for a schema that passed jsonSchemaProblems (for the run engine: task inputs and outputs,
 * messages on an edge); it keeps its own copy of the schema, in the draft the schema declares.
 */
export function schemaValidator(schema: unknown): Validator {
  return new Validator(structuredClone(schema) as Schema | boolean, draftOf(schema), false);
}

function shapeProblems(errors: { instanceLocation: string; keyword: string; error: string }[]): SchemaProblem[] {
  // The library reports each failure along its whole path (a `properties` map fails because one of its
  // schemas does): the deepest report says what is actually wrong, once per place.
  const byPlace = new Map<string, SchemaProblem>();
  for (const e of errors) {
    const problem = problemAt(pointerParts(e.instanceLocation), readable(e.error));
    const known = byPlace.get(problem.path);
    if (!known || e.keyword !== "$ref") byPlace.set(problem.path, problem);
  }
  const places = [...byPlace.values()];
  return places.filter((p) => !places.some((q) => q !== p && q.path.startsWith(p.path) && q.path.length > p.path.length));
}

/** The library's `Instance type "string" is invalid. Expected "integer".` as a field message. */
function readable(error: string): string {
  const wrongType = /^Instance type "(\w+)" is invalid\. Expected "([\w", ]+)"/.exec(error);
  if (wrongType) return `must be ${wrongType[2]!.replaceAll('"', "")}, not ${wrongType[1]}`;
  return error.replace(/\.$/, "");
}

function referenceProblems(schema: unknown): SchemaProblem[] {
  const copy = structuredClone(schema) as Schema | boolean;
  let lookup: Record<string, unknown>;
  try {
    lookup = dereference(copy);
  } catch (err) {
    return [problemAt([], err instanceof Error ? err.message : String(err))];
  }
  const problems: SchemaProblem[] = [];
  walkSchemas(copy, [], (node, path) => {
    // dereference() records each $ref's absolute form on the node, not enumerable.
    const absolute: unknown = (node as { __absolute_ref__?: unknown }).__absolute_ref__;
    if (typeof node.$ref === "string" && typeof absolute === "string" && !(absolute in lookup))
      problems.push(problemAt([...path, "$ref"], `'${node.$ref}' points at nothing in this schema (remote schemas are not fetched)`));
  });
  return problems;
}

const SUBSCHEMA = new Set(["additionalProperties", "unevaluatedProperties", "propertyNames", "not", "if", "then", "else", "contains", "additionalItems", "unevaluatedItems"]);
const SUBSCHEMA_LISTS = new Set(["prefixItems", "allOf", "anyOf", "oneOf"]);
const SUBSCHEMA_MAPS = new Set(["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"]);

/** Visits every (sub)schema object, iteratively: a deep schema must not exhaust the stack. */
function walkSchemas(root: unknown, rootPath: string[], visit: (node: Record<string, unknown>, path: string[]) => void): void {
  const stack: [unknown, string[]][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (!isObject(node)) continue;
    visit(node, path);
    for (const [key, value] of Object.entries(node)) {
      if (SUBSCHEMA.has(key)) stack.push([value, [...path, key]]);
      else if (key === "items") {
        if (Array.isArray(value)) value.forEach((v, i) => stack.push([v, [...path, key, String(i)]]));
        else stack.push([value, [...path, key]]);
      } else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) value.forEach((v, i) => stack.push([v, [...path, key, String(i)]]));
      else if (SUBSCHEMA_MAPS.has(key) && isObject(value)) for (const [name, v] of Object.entries(value)) stack.push([v, [...path, key, name]]);
    }
  }
}

function regexError(source: string): string | undefined {
  try {
    new RegExp(source, "u");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const problemAt = (parts: readonly string[], message: string): SchemaProblem => {
  const typed = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { path: joinPath(parts), parts: typed, message };
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `#/properties/a~1b/type` → `properties`, `a/b`, `type`. */
function pointerParts(pointer: string): string[] {
  return pointer
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
}

function joinPath(parts: readonly string[]): string {
  let out = "";
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  return out;
}
