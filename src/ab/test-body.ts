import { type DefinitionIssue, type IssuePath, definitionError, formatPath } from "../workflows/definition/issues";
import { formatOf, parseSource } from "../workflows/definition/source";
import { pendingIssues } from "../workflows/definition/zod-issues";
import { type CreateAbTest, CreateAbTestSchema } from "./schemas";

// The body of `POST /v1/ab-tests`: JSON, or YAML such as the seed's `ab_test:` block. Mistakes are one 400
// whose details give each field's path and, for YAML, its line and column.

const WHAT = "A/B test";

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The test the body describes. The fields may sit at the top level or under `ab_test:` (the seed's block
 * pasted as it is); nothing else may sit beside `ab_test:`.
 */
export function parseAbTestBody(text: string, contentType: string | undefined): CreateAbTest {
  const source = parseSource(text, formatOf(contentType), WHAT);
  const place = (path: IssuePath, message: string, atKey = false): DefinitionIssue => {
    const at = source.locate(path, atKey);
    return { path: formatPath(path), line: at?.line ?? null, column: at?.column ?? null, message };
  };
  if (!isPlainObject(source.value)) throw definitionError([place([], "must be a mapping of the test's fields (agent, versions, traffic_split, metrics, …)")], WHAT);

  let prefix: IssuePath = [];
  let fields: unknown = source.value;
  if ("ab_test" in source.value) {
    const others = Object.keys(source.value).filter((k) => k !== "ab_test");
    if (others.length > 0) throw definitionError(others.map((k) => place([k], "is not a known field beside ab_test: put every field under ab_test, or none", true)), WHAT);
    prefix = ["ab_test"];
    fields = source.value.ab_test;
  }

  const parsed = CreateAbTestSchema.safeParse(fields);
  if (!parsed.success) throw definitionError(pendingIssues(parsed.error.issues, prefix).map((i) => place(i.path, i.message, i.atKey)), WHAT);
  return parsed.data;
}
