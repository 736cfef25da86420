import { type PinnedAgent, type RunEvent, type RunInit, type RunTrigger, type RunView, runLimitsOf } from "../../durable-objects/workflow-run/run-types";
import { chooseArmsFrom, recordAssignments } from "../ab/assignment";
import { createBranch, defaultTtlSeconds } from "../branches/registry";
import type { ResolvedVersion } from "../catalog/resolve";
import { type Database, database } from "../db/client";
import { deploymentGuardRailsAt, readGuardRailsVersion } from "../guard-rails/deployment-rules";
import { enforce, refusalDetails, refusalMessage } from "../guard-rails/enforce";
import { type GuardRails, GuardRailsSchema, mergeGuardRails } from "../guard-rails/rules";
import { recordViolationsFor, violationRecord } from "../guard-rails/violations";
import { ApiError } from "../http/errors";
import { isoNow } from "../lib/time";
import { newId } from "../lib/ids";
import type { Json, JSONSchema, WorkflowDefinition } from "../workflows/definition/types";
import type { CurrentWorkflow } from "../workflows/workflow-store";
import { startTokens } from "./catalog-version";
import { startPlan } from "./start-plan";
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
  /**
   * The deployment guard rails' and the catalog's version tokens, when the caller read them already
   * (authentication does, with the key): the missing ones are read here, together (see startTokens).
   */
  guardRailsVersion?: string;
  catalogVersion?: string;
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
  const tokens = await startTokens(env.DB, request);
  const plan = await startPlan(db, request.workflow, tokens.catalogVersion, request.current);
  const { definition } = plan;
  const runId = request.runId ?? newId("run");
  // A/B tests of agents referenced as `latest` pick an arm by the run id, counted as they are chosen.
  // (Dry runs resolve their versions without this: nothing of theirs reaches A/B assignment.)
  const choices = await chooseArmsFrom(db, plan.running, definition.agents, runId);
  const chosen = new Map([...choices].map(([agent, c]) => [agent, "ended" in c ? c.ended : c.version] as const));
  const arms = [...choices].flatMap(([agent, c]) => ("ended" in c ? [] : [[agent, c] as const]));
  const resolved = await plan.resolve(chosen);
  const abOf = new Map(arms.map(([agent, c]) => [agent, { ab_test_id: c.ab_test_id, arm: c.arm }]));
  const agents: Record<string, PinnedAgent> = {};
  for (const ref of definition.agents) {
    const version = resolved.get(ref.name);
    const ab = abOf.get(ref.name);
    if (version) agents[ref.name] = ab ? { ...pin(version), ab } : pin(version);
  }
  // The strictest of the deployment's, the workflow's and every pinned version's guard rails, for the whole run.
  const rules = await runGuardRailsFor(db, tokens.guardRailsVersion, definition, resolved);
  const { input, event } = await guardStart(env, request, rules);
  // Counted only once the start is allowed: a start refused by a guard rail leaves no A/B assignment behind.
  await recordAssignments(env.DB, runId, arms.map(([, c]) => c));
  const init: RunInit = {
    run_id: runId,
    workflow: plan.current.workflow.name,
    revision: plan.current.revision.revision,
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

/** The strictest of the deployment's rules (at the caller's version, or read now), the workflow's and its pinned versions'. */
export async function runGuardRailsFor(db: Database, version: string | undefined, definition: WorkflowDefinition, resolved: ReadonlyMap<string, ResolvedVersion>): Promise<GuardRails> {
  const deployment = await deploymentGuardRailsAt(db, version ?? (await readGuardRailsVersion(db)));
  return mergeGuardRails([deployment, definition.guard_rails, ...[...resolved.values()].map((v) => versionGuardRails(v.guard_rails))]);
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
    await recordViolationsFor(env, [
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
