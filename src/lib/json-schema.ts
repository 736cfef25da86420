import { type Schema, Validator } from "@cfworker/json-schema";

// JSON Schema validation without code generation (workerd refuses eval): @cfworker/json-schema, one
// compiled validator per distinct schema text, kept per isolate.

export interface SchemaIssue {
  /** Where in the value, as a JSON pointer (`/records/0/amount`; empty for the value itself). */
  path: string;
  message: string;
}

const MAX_CACHED = 256;
const MAX_ISSUES = 20;
const validators = new Map<string, Validator>();

function validatorFor(schema: Schema | boolean): Validator {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (!validator) {
    if (validators.size >= MAX_CACHED) validators.delete(validators.keys().next().value as string);
    validator = new Validator(schema, "2020-12", false);
    validators.set(key, validator);
  }
  return validator;
}

/** Why `value` does not match `schema` (empty when it does), the most specific failures first. */
export function schemaIssues(schema: unknown, value: unknown): SchemaIssue[] {
  const result = validatorFor(schema as Schema | boolean).validate(value);
  if (result.valid) return [];
  // The validator reports the failing keyword at every level; the deepest locations say the most.
  const issues = result.errors
    .map((e) => ({ path: e.instanceLocation.replace(/^#/, ""), message: e.error }))
    .sort((a, b) => b.path.length - a.path.length);
  const seen = new Set<string>();
  return issues.filter((i) => !seen.has(`${i.path}\u0000${i.message}`) && seen.add(`${i.path}\u0000${i.message}`)).slice(0, MAX_ISSUES);
}
