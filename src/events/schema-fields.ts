// What a registered event type's JSON Schema says about the fields a filter reads: whether a field is
// declared, and whether it is an ordered level (a string `enum`, whose order is the order of its values).
// Only what a schema states plainly counts: `properties` (through local `$ref`s and `allOf`), `type` and
// `enum`. Where a schema lists no properties at all, any name is accepted: nothing is declared there to
// check against.

type SchemaObject = Record<string, unknown>;

const isObject = (v: unknown): v is SchemaObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** What the schema says about one field path. */
export type FieldLookup =
  /** The schema declares the field; `schema` is its own schema. */
  | { kind: "declared"; schema: unknown }
  /** Some object on the way lists its properties and this name is not among them. */
  | { kind: "undeclared"; at: string[]; known: string[] }
  /** Some object on the way lists no properties: the field may be there, nothing says. */
  | { kind: "open" };

/** Follows `$ref`s that point inside the schema (`#/$defs/x`, `#/definitions/x`); others are left as they are. */
function resolve(root: unknown, node: unknown, depth = 0): unknown {
  if (!isObject(node) || typeof node.$ref !== "string" || depth > 16) return node;
  const ref = node.$ref;
  if (!ref.startsWith("#")) return node;
  let target: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    target = isObject(target) ? target[key] : undefined;
  }
  return target === undefined ? node : resolve(root, target, depth + 1);
}

/** The properties an object schema declares (its own and its `allOf` parts'), or null if it declares none. */
function declaredProperties(root: unknown, node: unknown): Map<string, unknown> | null {
  const schema = resolve(root, node);
  if (!isObject(schema)) return null;
  let found: Map<string, unknown> | null = null;
  if (isObject(schema.properties)) found = new Map(Object.entries(schema.properties));
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf) {
      const more = declaredProperties(root, part);
      if (more) {
        found ??= new Map();
        for (const [k, v] of more) if (!found.has(k)) found.set(k, v);
      }
    }
  return found;
}

/** What the schema says about `path` (field names from the top of the event's `data`). */
export function lookupField(root: unknown, path: readonly string[]): FieldLookup {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const properties = declaredProperties(root, node);
    if (properties === null) return { kind: "open" };
    const name = path[i]!;
    if (!properties.has(name)) return { kind: "undeclared", at: path.slice(0, i + 1), known: [...properties.keys()] };
    node = properties.get(name);
  }
  return { kind: "declared", schema: resolve(root, node) };
}

/** The ordered levels of a field schema: the values of a string `enum`, in order; null when it is not one. */
export function orderedLevels(fieldSchema: unknown): string[] | null {
  if (!isObject(fieldSchema) || !Array.isArray(fieldSchema.enum) || fieldSchema.enum.length === 0) return null;
  if (!fieldSchema.enum.every((v): v is string => typeof v === "string")) return null;
  const type = fieldSchema.type;
  if (type !== undefined && type !== "string" && !(Array.isArray(type) && type.includes("string"))) return null;
  return fieldSchema.enum;
}

/** Whether a field schema says its value is a string (by `type`, or by an enum of strings). */
export function isStringField(fieldSchema: unknown): boolean {
  if (!isObject(fieldSchema)) return false;
  if (fieldSchema.type === "string") return true;
  if (Array.isArray(fieldSchema.type)) return fieldSchema.type.length > 0 && fieldSchema.type.every((t) => t === "string" || t === "null");
  return orderedLevels(fieldSchema) !== null;
}

/** Whether the top of the schema declares a field of this name (then `type`, `source` and `event_id` mean it, not the envelope's). */
export function declaresTopField(root: unknown, name: string): boolean {
  return declaredProperties(root, root)?.has(name) ?? false;
}
