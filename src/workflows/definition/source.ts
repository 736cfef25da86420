import { type Document, LineCounter, type Node, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { ApiError } from "../../http/errors";
import { MAX_JSON_DEPTH } from "../../http/json-depth";
import { type IssuePath, definitionError } from "./issues";

// A definition's text, YAML or JSON, turned into a plain value, with a way back from a field path to the
// line and column where the user wrote it (YAML only: JSON has no lines worth pointing at in an API body).

export type SourceFormat = "yaml" | "json";

/** The largest definition accepted; a revision stores it twice (as sent and normalised). */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/**
 * How many alias expansions a YAML document may make. Anchors and aliases are handy for repeated blocks;
 * unbounded, a few lines of nested aliases expand to billions of nodes (the "billion laughs").
 */
export const MAX_ALIAS_COUNT = 100;

export interface Position {
  line: number;
  column: number;
}

export interface ParsedSource {
  format: SourceFormat;
  text: string;
  value: unknown;
  /** Where the value at `path` was written (its key, for `atKey`); null when the format has no positions. */
  locate(path: IssuePath, atKey?: boolean): Position | null;
}

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/** Which format a Content-Type names, or a 400 saying which ones are accepted. */
export function formatOf(contentType: string | undefined): SourceFormat {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (YAML_TYPES.has(mediaType)) return "yaml";
  if (JSON_TYPE.test(mediaType)) return "json";
  const got = mediaType ? `'${mediaType}'` : "none";
  throw new ApiError("invalid_request", `Send the definition as YAML (Content-Type: application/yaml) or JSON (application/json); the Content-Type was ${got}.`, [
    { path: "Content-Type", message: "must be application/yaml, text/yaml, application/x-yaml or application/json" },
  ]);
}

/** `what` names the document in messages ("workflow definition", "A/B test"). */
export function parseSource(text: string, format: SourceFormat, what = "workflow definition"): ParsedSource {
  if (new TextEncoder().encode(text).byteLength > MAX_DEFINITION_BYTES)
    throw new ApiError("payload_too_large", `A ${what} may be at most ${MAX_DEFINITION_BYTES / 1024} KiB.`);
  const parsed = format === "yaml" ? parseYaml(text) : parseJson(text, what);
  if (nestingDepth(parsed.value) > MAX_JSON_DEPTH)
    throw definitionError([{ path: "(body)", line: null, column: null, message: `nests deeper than ${MAX_JSON_DEPTH} levels; flatten it` }]);
  return parsed;
}

function parseJson(text: string, what: string): ParsedSource {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw definitionError([{ path: "(body)", line: null, column: null, message: `is not valid JSON: ${err instanceof Error ? err.message : String(err)}` }], what);
  }
  return { format: "json", text, value, locate: () => null };
}

function parseYaml(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  };
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      // Duplicate keys are mistakes (the second silently wins elsewhere); YAML 1.2's core schema, without
      // the 1.1 tags (!!binary, !!timestamp…) that would turn text into values JSON cannot hold.
      uniqueKeys: true,
      schema: "core",
      resolveKnownTags: false,
      merge: true,
    });
  } catch (err) {
    throw tooDeep(err);
  }
  // Warnings are unresolved tags (`!foo x`): refused too, rather than read as plain text.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw definitionError(
      problems.map((e) => ({ path: "(body)", ...at(e.pos[0]), message: yamlMessage(e.code, e.message) })),
      "YAML",
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError)
      throw definitionError([{ path: "(body)", line: null, column: null, message: `its aliases expand to too many nodes (at most ${MAX_ALIAS_COUNT} alias uses)` }], "YAML");
    throw tooDeep(err);
  }
  return {
    format: "yaml",
    text,
    value,
    locate(path, atKey = false) {
      const node = nodeAt(doc, path, atKey);
      return node?.range ? at(node.range[0]) : null;
    },
  };
}

/** The parser's message, or ours where its own speaks of its API rather than of the document. */
function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return "YAML: a definition is one document; remove the `---` and what follows it, or send each workflow apart";
  if (code === "TAG_RESOLVE_FAILED") return "YAML: tags (!!binary, !custom…) are not supported; write plain values";
  return `YAML: ${message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
}

function tooDeep(err: unknown): unknown {
  if (err instanceof RangeError)
    return definitionError([{ path: "(body)", line: null, column: null, message: `nests too deeply to read (at most ${MAX_JSON_DEPTH} levels)` }], "YAML");
  return err;
}

/** The node at `path`, or the deepest one on the way there (a missing field points at its parent). */
function nodeAt(doc: Document.Parsed, path: IssuePath, atKey: boolean): Node | null {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc) ?? node;
    const part = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(part));
      if (!pair) return node;
      if (i === path.length - 1 && atKey) return isScalar(pair.key) ? pair.key : node;
      // `key:` with no value has no value node: point at the key.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part];
      if (item === undefined) return node;
      node = item;
    } else break;
  }
  return (node as Node | null) ?? null;
}

/** The deepest nesting of arrays and objects in a value, counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

