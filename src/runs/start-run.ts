import { type PinnedAgent, type RunEvent, type RunInit, type RunTrigger, type RunView, runLimitsOf } from "../../durable-objects/workflow-run/run-types";
import { createBranch, defaultTtlSeconds } from "../branches/registry";
import { type ResolvedVersion, resolveReferences } from "../catalog/resolve";
import { database } from "../db/client";
import { deploymentGuardRailsAt, readGuardRailsVersion } from "../guard-rails/deployment-rules";
import { enforce, refusalDetails, refusalMessage } from "../guard-rails/enforce";
import { type GuardRails, GuardRailsSchema, mergeGuardRails } from "../guard-rails/rules";
import { recordViolations, violationRecord } from "../guard-rails/violations";
import { ApiError } from "../http/errors";
import { isoNow } from "../lib/time";
import { newId } from "../lib/ids";
import type { Json, JSONSchema, WorkflowDefinition } from "../workflows/definition/types";
import { type CurrentWorkflow, definitionOf, requireWorkflow } from "../workflows/workflow-store";
import { runObject } from "./run-object";

/** What starts a run: a manual start, or a lifecycle trigger (schedule, event, webhook, polling). */
export interface StartRequest {
  workflow: string;
  input: Json;
  trigger: RunTrigger;
  startedBy: string;
  requestId?: string;
  event?: RunEvent;
  /** Event-driven entries the event matched, by pattern index. */
  matched?: Record<string, number[]>;
  /** An id chosen ahead (a trigger's ledger records it before the start, so a retried start is the same run). */
  runId?: string;
  /** The revision loaded already, when the caller has it. */
  current?: CurrentWorkflow;
  /** The deployment guard rails' version as the caller's authentication read it; read here when absent. */
  guardRailsVersion?: string;
}

const pin = (version: ResolvedVersion): PinnedAgent => ({
  version: version.version,
  endpoint: version.endpoint,
  output_schema: (version.output_schema ?? null) as JSONSchema | null,
});

/**
 * Starts a run of the workflow's current revision: every agent reference is resolved now, once, and the
 * run keeps those versions to its end (a version published or promoted later never moves under it).
 * Hierarchical workers with `branch: true` get their data branch before any task is handed out.
 */
export async function startRun(env: Env, request: StartRequest): Promise<RunView> {
  const db = database(env);
  const current = request.current ?? (await requireWorkflow(db, request.workflow));
  const definition = definitionOf(current.revision);
  const resolved = await resolveReferences(db, definition.agents);
  const agents: Record<string, PinnedAgent> = {};
  for (const ref of definition.agents) {
    const version = resolved.get(ref.name);
    if (version) agents[ref.name] = pin(version);
  }
  // The strictest of the deployment's, the workflow's and every pinned version's guard rails, for the whole run.
  const deployment = await deploymentGuardRailsAt(db, request.guardRailsVersion ?? (await readGuardRailsVersion(db)));
  const rules = mergeGuardRails([deployment, definition.guard_rails, ...[...resolved.values()].map((v) => versionGuardRails(v.guard_rails))]);
  const { input, event } = await guardStart(env, request, rules);
  const runId = request.runId ?? newId("run");
  const init: RunInit = {
    run_id: runId,
    workflow: current.workflow.name,
    revision: current.revision.revision,
    definition,
    agents,
    input,
    trigger: request.trigger,
    started_by: request.startedBy,
    ...(request.requestId ? { request_id: request.requestId } : {}),
    limits: runLimitsOf(rules),
    branches: await workerBranches(env, definition, runId, request),
    ...(event ? { event } : {}),
    ...(request.matched ? { matched: request.matched } : {}),
  };
  return runObject(env, runId).start(init);
}

/** A version's guard rails as published (validated then; a row that no longer parses adds nothing rather than fail every run). */
function versionGuardRails(stored: unknown): GuardRails | null {
  const parsed = GuardRailsSchema.nullable().safeParse(stored ?? null);
  return parsed.success ? parsed.data : null;
}

/**
 * The run's input and its event pass the run's guard rails before anything starts: a rejection refuses the
 * start (422, nothing created), a redaction starts the run with the redacted values.
 */
async function guardStart(env: Env, request: StartRequest, rules: GuardRails): Promise<{ input: Json; event: RunEvent | undefined }> {
  const input = enforce(request.input, rules, { at: "input", message: true });
  const data = request.event ? enforce(request.event.data, rules, { at: "event.data", message: true }) : undefined;
  const findings = [...input.findings, ...(data?.findings ?? [])];
  if (findings.length > 0)
    await recordViolations(env, [
      violationRecord({ agent_id: request.startedBy, action: "workflow:run", resource: `workflow:${request.workflow}`, request_id: request.requestId ?? null }, findings, isoNow()),
    ]);
  for (const [result, what] of [[input, "The run's input"], [data, "The event"]] as const)
    if (result && !result.ok) throw new ApiError("guard_rail", `${refusalMessage(result.refusal, what)} The run was not started.`, refusalDetails(result.refusal));
  return {
    input: input.ok ? input.value : null,
    event: request.event && data?.ok ? { ...request.event, data: data.value } : request.event,
  };
}

/** A data branch for each hierarchical worker that asked for one (fork/join over branches). */
async function workerBranches(env: Env, definition: WorkflowDefinition, runId: string, request: StartRequest): Promise<Record<string, string>> {
  const wanted = definition.coordination.flatMap((p) => (p.pattern === "hierarchical" ? p.workers.filter((w) => w.branch).map((w) => w.name) : []));
  const branches: Record<string, string> = {};
  const db = database(env);
  for (const worker of new Set(wanted)) {
    const branch = await createBranch(
      db,
      { label: `${request.workflow}/${runId}/${worker}`, description: `The data branch of ${worker} in run ${runId}.`, ttlSeconds: defaultTtlSeconds(env) },
      { agentId: request.startedBy, ...(request.requestId ? { requestId: request.requestId } : {}) },
    );
    branches[worker] = branch.branch_id;
  }
  return branches;
}
