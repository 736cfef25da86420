import type { AgentScript } from "../../durable-objects/workflow-run/dry-run";
import type { DryRunView } from "../../durable-objects/workflow-run/dry-run-view";
import { DEFAULT_RUN_LIMITS, type PinnedAgent, type RunEvent, type RunInit } from "../../durable-objects/workflow-run/run-types";
import { resolveReferences } from "../catalog/resolve";
import type { Database } from "../db/client";
import { database } from "../db/client";
import { ApiError } from "../http/errors";
import { newId } from "../lib/ids";
import { runObject } from "../runs/run-object";
import { checkAgainstCatalog, prepareDefinition } from "../workflows/definition/check-definition";
import type { JSONSchema, Json, WorkflowDefinition } from "../workflows/definition/types";
import { definitionOf, requireWorkflow, revisionOf } from "../workflows/workflow-store";
import { matchEntries } from "./event-entries";
import type { DryRunRequest } from "./schemas";

/** The definition a dry run tests: a saved revision, or an unsaved document checked exactly as a PUT checks it. */
async function definitionFor(db: Database, request: DryRunRequest): Promise<{ name: string; revision: number; definition: WorkflowDefinition }> {
  if (request.workflow !== undefined) {
    const current = await requireWorkflow(db, request.workflow);
    const row = request.revision === undefined ? current.revision : await revisionOf(db, request.workflow, request.revision);
    return { name: request.workflow, revision: row.revision, definition: definitionOf(row) };
  }
  const text = typeof request.definition === "string" ? request.definition : JSON.stringify(request.definition);
  const prepared = prepareDefinition(text, typeof request.definition === "string" ? "yaml" : "json");
  await checkAgainstCatalog(db, prepared);
  return { name: "(unsaved)", revision: 0, definition: prepared.definition };
}

/**
 * Runs a workflow's real engine with scripted agents on a virtual clock, in a Durable Object of its own:
 * no inbox, endpoint, memory, agent state, event, A/B assignment or audit row of a real run is written.
 */
export async function startDryRun(env: Env, request: DryRunRequest, createdBy: string): Promise<DryRunView> {
  const db = database(env);
  const { name, revision, definition } = await definitionFor(db, request);
  const known = new Set(definition.agents.map((a) => a.name));
  const unknown = Object.keys(request.agents).filter((agent) => !known.has(agent));
  if (unknown.length > 0)
    throw new ApiError(
      "invalid_request",
      `${unknown.map((a) => `'${a}'`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not an agent of this definition (its agents: ${[...known].join(", ")}).`,
      unknown.map((agent) => ({ path: `agents.${agent}`, message: "is not an agent of this definition" })),
    );
  const resolved = await resolveReferences(db, definition.agents);
  const agents: Record<string, PinnedAgent> = {};
  for (const [agent, version] of resolved) agents[agent] = { version: version.version, endpoint: null, output_schema: (version.output_schema ?? null) as JSONSchema | null };

  const dryRunId = newId("dry");
  const event: RunEvent | undefined = request.event && {
    event_id: request.event.event_id ?? `evt_dry_${dryRunId.slice(4)}`,
    type: request.event.type,
    source: request.event.source ?? null,
    data: request.event.data as Json,
    time: request.event.time ?? new Date().toISOString(),
  };
  const matching = event ? await matchEntries(env.DB, definition, event) : { matched: {}, findings: [] };
  // Branches are never created in a dry run; a worker that asked for one sees a name that says so.
  const branches = Object.fromEntries(
    definition.coordination.flatMap((p) => (p.pattern === "hierarchical" ? p.workers.filter((w) => w.branch).map((w) => [w.name, `dry-run-branch:${w.name}`]) : [])),
  );
  const init: RunInit = {
    run_id: dryRunId,
    workflow: name,
    revision,
    definition,
    agents,
    input: request.input ?? null,
    trigger: event ? { type: "event", event_id: event.event_id } : { type: "dry_run" },
    started_by: createdBy,
    limits: DEFAULT_RUN_LIMITS,
    branches,
    ...(event ? { event, matched: matching.matched } : {}),
  };
  return runObject(env, dryRunId).dryRun(init, request.agents as Record<string, AgentScript>, createdBy, matching.findings);
}
