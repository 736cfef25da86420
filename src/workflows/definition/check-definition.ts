import { checkReferences } from "../../catalog/resolve";
import { filterSchemaFindings } from "../../events/definition-filters";
import type { Database } from "../../db/client";
import { sha256Hex } from "../../lib/crypto";
import { WorkflowDocumentSchema } from "./document-schema";
import { type DefinitionIssue, type PendingIssue, definitionError, formatPath } from "./issues";
import { type DefinitionLayout, normaliseDocument } from "./normalise";
import { checkPatterns } from "./pattern-checks";
import { type ParsedSource, type Position, type SourceFormat, parseSource } from "./source";
import type { WorkflowDefinition } from "./types";
import { pendingIssues } from "./zod-issues";

// A definition from text to something a revision can store, in two steps: `prepareDefinition` (no
// database: syntax, shape, coordination mistakes) and `checkAgainstCatalog` (every agent reference
// resolves now). Between them the caller compares the content hash with the current revision's, so an
// unchanged body costs no catalog read. Mistakes are one 400 listing all of them; warnings are kept.

export interface PreparedDefinition {
  definition: WorkflowDefinition;
  /** SHA-256 of the definition's canonical JSON: equal definitions, however written, hash the same. */
  contentHash: string;
  source: { text: string; format: SourceFormat };
  warnings: DefinitionIssue[];
  layout: DefinitionLayout;
  locate: Locate;
}

type Locate = (path: PendingIssue["path"], atKey?: boolean) => Position | null;

function place(issues: readonly PendingIssue[], locate: Locate): DefinitionIssue[] {
  return issues.map((issue) => {
    const at = locate(issue.path, issue.atKey);
    return { path: formatPath(issue.path), line: at?.line ?? null, column: at?.column ?? null, message: issue.message };
  });
}

/** Parses, validates and checks a definition's text; throws the 400 that lists every mistake. */
export function prepareDefinition(text: string, format: SourceFormat): PreparedDefinition {
  const source: ParsedSource = parseSource(text, format);
  const locate: Locate = (path, atKey) => source.locate(path, atKey);
  if (source.value === null || source.value === undefined)
    throw definitionError([{ path: "(body)", line: null, column: null, message: "is empty: send a workflow document (at least `coordination:`)" }]);
  const shape = WorkflowDocumentSchema.safeParse(source.value);
  if (!shape.success) throw definitionError(place(pendingIssues(shape.error.issues), locate));
  const { definition, layout, issues } = normaliseDocument(shape.data);
  const findings = checkPatterns(definition, layout);
  const errors = [...issues, ...findings.errors];
  if (errors.length > 0) throw definitionError(place(errors, locate));
  return {
    definition,
    contentHash: contentHash(definition),
    source: { text, format },
    warnings: place(findings.warnings, locate),
    layout,
    locate,
  };
}

/**
 * Every agent reference must resolve now (a registered agent, a published version that matches, not a
 * deprecated pin); `latest` and ranges resolve but are warned about (pin versions in production). Every
 * event filter fits its event type as registered now (declared fields; ordered levels), or is warned about.
 * Returns the warnings to store with the revision; throws the 400 otherwise.
 */
export async function checkAgainstCatalog(db: Database, prepared: PreparedDefinition): Promise<DefinitionIssue[]> {
  const { definition, layout, locate } = prepared;
  const [{ resolved, issues }, filters] = await Promise.all([checkReferences(db, definition.agents), filterSchemaFindings(db, definition, layout)]);
  if (issues.length > 0) throw definitionError(place(issues.map((i) => ({ path: layout.agentPath(i.name), message: i.message })), locate));
  if (filters.errors.length > 0) throw definitionError(place(filters.errors, locate));
  const moving: PendingIssue[] = [];
  for (const ref of definition.agents) {
    const now = resolved.get(ref.name);
    if (!now || now.pinned) continue;
    const how = layout.isListed(ref.name) ? `'${ref.name}@${ref.version}'` : `agent '${ref.name}' is not listed under \`agents:\`, so it runs as '${ref.name}@latest' and`;
    moving.push({
      path: layout.agentPath(ref.name),
      message: `${how} resolves to ${now.version} now, and to newer versions as they are published; pin a version in production`,
    });
  }
  return [...prepared.warnings, ...place(filters.warnings, locate), ...place(moving, locate)];
}

export function contentHash(definition: WorkflowDefinition): string {
  return sha256Hex(canonicalJson(definition));
}

/** JSON with object keys sorted at every level, so that key order in the source changes nothing. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const object = v as Record<string, unknown>;
    // fromEntries defines each key, so even a key named __proto__ stays data.
    return Object.fromEntries(Object.keys(object).sort().map((k) => [k, object[k]]));
  });
}
