import type { PatternDocument, WorkflowDocument } from "./document-schema";
import { type IssuePath, type PendingIssue, formatPath } from "./issues";
import { type AgentRef, DEFAULT_RETRIES, DEFAULT_TASK_TIMEOUT_SECONDS, type Pattern, type WorkflowDefinition } from "./types";

// From the document as written to the normalised definition: defaults filled in, one pattern made a
// list of one, `name@ref` split, and every agent any pattern uses collected into `agents` (unlisted ones
// as `latest`). Also where each thing was written, so that later checks point at the user's text.

/** Where the parts of a definition were written, in the document's own paths. */
export interface DefinitionLayout {
  /** The path of the i-th pattern: `coordination` for a single pattern, `coordination[i]` in a list. */
  patternPath(index: number): IssuePath;
  /** Where an agent's reference was written: its `agents:` entry, else its first use. */
  agentPath(name: string): IssuePath;
  /** Whether the agent's version was written anywhere (listed, or as `name@ref`), rather than implied. */
  isListed(name: string): boolean;
}

export interface Normalised {
  definition: WorkflowDefinition;
  layout: DefinitionLayout;
  /** Agents referenced twice with different versions, or listed twice. */
  issues: PendingIssue[];
}

/** `revenue-analyst@1.2.0` → name and ref; a bare name has no ref. Agent ids contain no `@`. */
export function splitUse(use: string): { name: string; ref: string | null } {
  const at = use.indexOf("@");
  return at < 0 ? { name: use, ref: null } : { name: use.slice(0, at), ref: use.slice(at + 1) };
}

export function normaliseDocument(doc: WorkflowDocument): Normalised {
  const issues: PendingIssue[] = [];
  const coordinationIsList = Array.isArray(doc.coordination);
  const patterns: PatternDocument[] = doc.coordination === undefined ? [] : Array.isArray(doc.coordination) ? doc.coordination : [doc.coordination];
  const patternPath = (i: number): IssuePath => (coordinationIsList ? ["coordination", i] : ["coordination"]);

  // Explicit references: the `agents:` list, then `name@ref` in the patterns. Each agent gets one.
  const explicit = new Map<string, { ref: string; path: IssuePath }>();
  const order: string[] = [];
  const firstUse = new Map<string, IssuePath>();
  const note = (name: string, path: IssuePath) => {
    if (!firstUse.has(name)) {
      firstUse.set(name, path);
      order.push(name);
    }
  };
  (doc.agents ?? []).forEach((entry, i) => {
    const { name, ref } = typeof entry === "string" ? splitUse(entry) : { name: entry.name, ref: entry.version ?? null };
    const path: IssuePath = ["agents", i];
    const earlier = explicit.get(name);
    if (earlier) {
      issues.push({ path, message: `lists agent '${name}' again (also ${formatPath(earlier.path)}); list each agent once` });
      return;
    }
    explicit.set(name, { ref: ref ?? "latest", path });
    note(name, path);
  });

  const uses: { use: string; path: IssuePath }[] = [];
  const use = (value: string, path: IssuePath): string => {
    uses.push({ use: value, path });
    return splitUse(value).name;
  };
  const coordination = patterns.map((p, i) => normalisePattern(p, patternPath(i), use, doc));

  for (const { use: value, path } of uses) {
    const { name, ref } = splitUse(value);
    note(name, path);
    if (ref === null) continue;
    const earlier = explicit.get(name);
    if (!earlier) explicit.set(name, { ref, path });
    else if (earlier.ref !== ref)
      issues.push({ path, message: `references '${name}@${ref}', but ${formatPath(earlier.path)} says '${name}@${earlier.ref}'; an agent has one version per workflow` });
  }

  const agents: AgentRef[] = order.map((name) => ({ name, version: explicit.get(name)?.ref ?? "latest" }));
  const definition: WorkflowDefinition = {
    description: doc.description ?? null,
    agents,
    defaults: {
      task_timeout_seconds: doc.defaults?.task_timeout_seconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
      retries: doc.defaults?.retries ?? DEFAULT_RETRIES,
    },
    coordination,
    schemas: doc.schemas ?? {},
    triggers: doc.triggers ?? [],
    guard_rails: doc.guard_rails ?? null,
  };
  const layout: DefinitionLayout = {
    patternPath,
    agentPath: (name) => explicit.get(name)?.path ?? firstUse.get(name) ?? ["agents"],
    isListed: (name) => explicit.has(name),
  };
  return { definition, layout, issues };
}

function normalisePattern(p: PatternDocument, at: IssuePath, use: (value: string, path: IssuePath) => string, doc: WorkflowDocument): Pattern {
  switch (p.pattern) {
    case "event-driven":
      return {
        pattern: "event-driven",
        events: p.events.map((e, i) => ({
          type: e.type,
          filter: e.filter ?? null,
          agents: e.agents.map((a, j) => use(a, [...at, "events", i, "agents", j])),
        })),
      };
    case "message-passing":
      return {
        pattern: "message-passing",
        flow: p.flow.map((edge, i) => ({
          from: use(edge.from, [...at, "flow", i, "from"]),
          to: use(edge.to, [...at, "flow", i, "to"]),
          message: { schema: edge.message?.schema ?? null },
        })),
      };
    case "shared-state": {
      const policy = p.state_store?.conflict_resolution ?? "last-write-wins";
      return {
        pattern: "shared-state",
        state_store: { type: "key-value", conflict_resolution: policy, keys: p.state_store?.keys ?? {} },
        agents: p.agents.map((a, i) => ({ name: use(a.name, [...at, "agents", i, "name"]), reads: a.reads ?? [], writes: a.writes ?? [] })),
      };
    }
    case "hierarchical":
      return {
        pattern: "hierarchical",
        supervisor: use(p.supervisor, [...at, "supervisor"]),
        workers: p.workers.map((w, i) => ({ name: use(w.name, [...at, "workers", i, "name"]), task: w.task, branch: w.branch ?? false })),
        aggregation: {
          strategy: p.aggregation?.strategy ?? "supervisor-synthesis",
          // By default the join waits as long as one task may run.
          timeout_seconds: p.aggregation?.timeout_seconds ?? doc.defaults?.task_timeout_seconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
        },
      };
  }
}
