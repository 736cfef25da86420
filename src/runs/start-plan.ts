import { latestAgents } from "../ab/assignment";
import { type AbTestRow, runningTestsQuery } from "../ab/test-store";
import { type ResolvedVersion, resolveReferences } from "../catalog/resolve";
import type { Database } from "../db/client";
import type { WorkflowDefinition } from "../workflows/definition/types";
import { type CurrentWorkflow, definitionOf, requireWorkflow } from "../workflows/workflow-store";

// What a run's start reads from the catalog: the workflow's current revision, the running A/B tests of its
// `latest` agents, and the versions its references resolve to. All of it changes only when the catalog's
// version token does (migration 0015), which authentication reads with the caller's key: so an isolate
// keeps it per workflow between starts, and a warm start reads nothing from D1 before the run begins.

export interface StartPlan {
  current: CurrentWorkflow;
  definition: WorkflowDefinition;
  /** Running tests of the definition's `latest` agents. */
  running: readonly AbTestRow[];
  /** The versions the references resolve to with these A/B choices (agent → exact version) applied. */
  resolve(chosen: ReadonlyMap<string, string>): Promise<Map<string, ResolvedVersion>>;
}

interface Entry {
  version: string;
  current: CurrentWorkflow;
  definition: WorkflowDefinition;
  running: readonly AbTestRow[];
  resolutions: Map<string, Promise<Map<string, ResolvedVersion>>>;
}

const MAX_WORKFLOWS = 256;
const plans = new Map<string, Entry>();

const keyOf = (chosen: ReadonlyMap<string, string>) => JSON.stringify([...chosen].sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The plan of a start. With the catalog's current version token it may come from this isolate's memory;
 * without one (no token to compare with) everything is read fresh. `current` is a revision the caller
 * chose (an event's run uses the revision the event was matched against): kept under that revision.
 * A resolution that fails is not kept.
 */
export async function startPlan(db: Database, workflow: string, catalogVersion: string | undefined, current?: CurrentWorkflow): Promise<StartPlan> {
  const key = current === undefined ? workflow : `${workflow}@${current.revision.revision}`;
  let entry = catalogVersion === undefined ? undefined : plans.get(key);
  if (!entry || entry.version !== catalogVersion) {
    const loaded = current ?? (await requireWorkflow(db, workflow));
    const definition = definitionOf(loaded.revision);
    const latest = latestAgents(definition.agents);
    const running = latest.length === 0 ? [] : await runningTestsQuery(db, latest);
    entry = { version: catalogVersion ?? "", current: loaded, definition, running, resolutions: new Map() };
    if (catalogVersion !== undefined) {
      if (plans.size >= MAX_WORKFLOWS) plans.delete(plans.keys().next().value as string);
      plans.set(key, entry);
    }
  }
  const kept = entry;
  return {
    current: kept.current,
    definition: kept.definition,
    running: kept.running,
    resolve(chosen) {
      const key = keyOf(chosen);
      let resolution = kept.resolutions.get(key);
      if (!resolution) {
        resolution = resolveReferences(db, kept.definition.agents, Promise.resolve(chosen));
        kept.resolutions.set(key, resolution);
        resolution.catch(() => kept.resolutions.delete(key));
      }
      return resolution;
    },
  };
}
