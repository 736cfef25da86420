import { jsonSchemaProblems } from "../../catalog/json-schema-check";
import { eventTriggerIssues, filterCompileError } from "./filter-check";
import type { IssuePath, PendingIssue } from "./issues";
import type { DefinitionLayout } from "./normalise";
import type { EventDrivenPattern, HierarchicalPattern, MessagePassingPattern, SharedStatePattern, WorkflowDefinition } from "./types";

// The coordination mistakes a definition can make without the catalog: checked at PUT so that they fail
// there and not in a run. Pure: the same definition always gives the same findings.

export interface Findings {
  errors: PendingIssue[];
  warnings: PendingIssue[];
}

export function checkPatterns(definition: WorkflowDefinition, layout: DefinitionLayout): Findings {
  const found: Findings = { errors: [], warnings: [] };
  const only = definition.coordination.length === 1;
  definition.coordination.forEach((pattern, i) => {
    const at = layout.patternPath(i);
    switch (pattern.pattern) {
      case "event-driven":
        return checkEventDriven(pattern, at, found);
      case "message-passing":
        return checkMessagePassing(pattern, at, definition, only, found);
      case "shared-state":
        return checkSharedState(pattern, at, found);
      case "hierarchical":
        return checkHierarchical(pattern, at, definition, found);
    }
  });
  checkSchemas(definition, found);
  checkUsage(definition, layout, found);
  found.errors.push(...eventTriggerIssues(definition));
  return found;
}

/** Reports each repeat of a value in a list, pointing at the repeat and naming the first. */
function repeats<T>(items: readonly T[], key: (item: T) => string, onRepeat: (index: number, first: number) => void): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else onRepeat(i, first);
  });
}

function checkEventDriven(p: EventDrivenPattern, at: IssuePath, found: Findings): void {
  p.events.forEach((event, i) => {
    const here = [...at, "events", i];
    repeats(event.agents, (a) => a, (j, first) =>
      found.errors.push({ path: [...here, "agents", j], message: `lists '${event.agents[j]}' again (also agents[${first}]); an agent gets one task per event` }),
    );
    if (event.filter === null) return;
    // Checked against the event type's registered schema later, with the catalog (checkAgainstCatalog).
    const error = filterCompileError(event.filter);
    if (error) found.errors.push({ path: [...here, "filter"], message: error });
  });
}

function checkMessagePassing(p: MessagePassingPattern, at: IssuePath, definition: WorkflowDefinition, only: boolean, found: Findings): void {
  repeats(p.flow, (e) => JSON.stringify([e.from, e.to, e.message.schema]), (i, first) =>
    found.errors.push({ path: [...at, "flow", i], message: `repeats flow[${first}] (${p.flow[i]!.from} → ${p.flow[i]!.to}); each message would be sent twice` }),
  );
  p.flow.forEach((edge, i) => {
    const schema = edge.message.schema;
    if (schema !== null && !(schema in definition.schemas))
      found.warnings.push({
        path: [...at, "flow", i, "message", "schema"],
        message: `names schema '${schema}', which \`schemas:\` does not define: messages on this edge are not validated`,
      });
  });
  const receivers = new Set(p.flow.map((e) => e.to));
  if (p.flow.every((e) => receivers.has(e.from))) {
    const message = "has no starting agent: every agent in the flow is some edge's `to`, so a run would give none of them a first task";
    (only ? found.errors : found.warnings).push({ path: [...at, "flow"], message: only ? message : `${message} (unless another pattern starts one)` });
  }
}

function checkSharedState(p: SharedStatePattern, at: IssuePath, found: Findings): void {
  const agentPath = (i: number): IssuePath => [...at, "agents", i];
  repeats(p.agents, (a) => a.name, (i, first) =>
    found.errors.push({ path: [...agentPath(i), "name"], message: `declares '${p.agents[i]!.name}' again (also agents[${first}]); give each agent one entry` }),
  );
  const writers = new Map<string, string[]>();
  p.agents.forEach((a, i) => {
    for (const list of ["reads", "writes"] as const)
      repeats(a[list], (k) => k, (j) => found.errors.push({ path: [...agentPath(i), list, j], message: `lists key '${a[list][j]}' twice` }));
    if (a.reads.length === 0 && a.writes.length === 0)
      found.warnings.push({ path: [...agentPath(i), "name"], message: `'${a.name}' neither reads nor writes any key of the shared state` });
    for (const key of a.writes) writers.set(key, [...(writers.get(key) ?? []), a.name]);
  });

  let readsFailed = false;
  p.agents.forEach((a, i) =>
    a.reads.forEach((key, j) => {
      const by = writers.get(key) ?? [];
      const path = [...agentPath(i), "reads", j];
      if (by.length === 0) {
        readsFailed = true;
        found.errors.push({ path, message: `reads '${key}', which no agent writes: '${a.name}' would wait for it forever` });
      } else if (by.every((w) => w === a.name)) {
        readsFailed = true;
        found.errors.push({ path, message: `reads '${key}', which only '${a.name}' itself writes: it would wait for its own output and never start` });
      }
    }),
  );
  if (!readsFailed) checkStartable(p, agentPath, writers, found);

  const used = new Set(p.agents.flatMap((a) => [...a.reads, ...a.writes]));
  for (const key of Object.keys(p.state_store.keys))
    if (!used.has(key)) found.warnings.push({ path: [...at, "state_store", "keys", key], message: `sets a policy for '${key}', which no agent reads or writes` });
}

/**
 * An agent starts once every key it reads has been written; agents that read nothing start at once.
 * Agents waiting on each other in a cycle never start (the run would stall), even when every key has
 * some writer: found by letting the writes of every startable agent unlock the rest until nothing moves.
 */
function checkStartable(p: SharedStatePattern, agentPath: (i: number) => IssuePath, writers: Map<string, string[]>, found: Findings): void {
  const started = new Set<string>();
  const written = new Set<string>();
  for (let moved = true; moved; ) {
    moved = false;
    for (const a of p.agents) {
      if (started.has(a.name) || !a.reads.every((k) => written.has(k))) continue;
      started.add(a.name);
      for (const k of a.writes) written.add(k);
      moved = true;
    }
  }
  p.agents.forEach((a, i) => {
    if (started.has(a.name)) return;
    const waits = a.reads.filter((k) => !written.has(k)).map((k) => `'${k}' (written by ${writers.get(k)!.join(", ")})`);
    found.errors.push({
      path: [...agentPath(i), "name"],
      message: `'${a.name}' would never start: it waits for ${waits.join(" and ")}, and those writers wait in turn on keys nobody can write first`,
    });
  });
}

function checkHierarchical(p: HierarchicalPattern, at: IssuePath, definition: WorkflowDefinition, found: Findings): void {
  repeats(p.workers, (w) => w.name, (i, first) =>
    found.errors.push({ path: [...at, "workers", i, "name"], message: `lists worker '${p.workers[i]!.name}' again (also workers[${first}]); workers must be distinct` }),
  );
  p.workers.forEach((w, i) => {
    if (w.name === p.supervisor)
      found.errors.push({ path: [...at, "workers", i, "name"], message: `is the supervisor '${p.supervisor}' itself; a supervisor delegates to other agents` });
    if (w.task.trim() === "") found.errors.push({ path: [...at, "workers", i, "task"], message: "is empty: say what this worker is to do" });
  });
  if (p.aggregation.timeout_seconds < definition.defaults.task_timeout_seconds)
    found.warnings.push({
      path: [...at, "aggregation", "timeout_seconds"],
      message: `is shorter than a task's timeout (${definition.defaults.task_timeout_seconds} s): the join may cut off workers that are still within their time`,
    });
}

function checkSchemas(definition: WorkflowDefinition, found: Findings): void {
  const named = new Set<string>();
  for (const p of definition.coordination) if (p.pattern === "message-passing") for (const e of p.flow) if (e.message.schema !== null) named.add(e.message.schema);
  for (const [name, schema] of Object.entries(definition.schemas)) {
    for (const problem of jsonSchemaProblems(schema))
      found.errors.push({ path: ["schemas", name, ...problem.parts], message: problem.message });
    if (!named.has(name)) found.warnings.push({ path: ["schemas", name], message: `schema '${name}' is used by no message-passing edge`, atKey: true });
  }
}

function checkUsage(definition: WorkflowDefinition, layout: DefinitionLayout, found: Findings): void {
  if (definition.coordination.length === 0) {
    found.warnings.push({ path: ["coordination"], message: "no coordination pattern: runs of this workflow would start no task" });
    return;
  }
  const used = new Set<string>();
  for (const p of definition.coordination) {
    if (p.pattern === "event-driven") for (const e of p.events) for (const a of e.agents) used.add(a);
    if (p.pattern === "message-passing") for (const e of p.flow) used.add(e.from).add(e.to);
    if (p.pattern === "shared-state") for (const a of p.agents) used.add(a.name);
    if (p.pattern === "hierarchical") for (const n of [p.supervisor, ...p.workers.map((w) => w.name)]) used.add(n);
  }
  for (const a of definition.agents)
    if (!used.has(a.name)) found.warnings.push({ path: layout.agentPath(a.name), message: `agent '${a.name}' is listed but no pattern uses it` });
}

