import { type PinnedAgent, DEFAULT_RUN_LIMITS, type RunEvent, type RunInit, type RunTrigger, type RunView } from "../../durable-objects/workflow-run/run-types";
import { chooseArmsFrom, recordAssignments } from "../ab/assignment";
import { createBranch, defaultTtlSeconds } from "../branches/registry";
import type { ResolvedVersion } from "../catalog/resolve";
import { database } from "../db/client";
import { newId } from "../lib/ids";
import type { Json, JSONSchema, WorkflowDefinition } from "../workflows/definition/types";
import type { CurrentWorkflow } from "../workflows/workflow-store";
import { readCatalogVersion } from "./catalog-version";
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
  /** The catalog's version token, when the caller read it already (authentication does, with the key). */
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
  const plan = await startPlan(db, request.workflow, request.catalogVersion ?? (await readCatalogVersion(env.DB)) ?? undefined, request.current);
  const { definition } = plan;
  const runId = request.runId ?? newId("run");
  // A/B tests of agents referenced as `latest` pick an arm by the run id, counted as they are chosen.
  // (Dry runs resolve their versions without this: nothing of theirs reaches A/B assignment.)
  const choices = await chooseArmsFrom(db, plan.running, definition.agents, runId);
  const chosen = new Map([...choices].map(([agent, c]) => [agent, "ended" in c ? c.ended : c.version] as const));
  const arms = [...choices].flatMap(([agent, c]) => ("ended" in c ? [] : [[agent, c] as const]));
  const [resolved] = await Promise.all([plan.resolve(chosen), recordAssignments(env.DB, runId, arms.map(([, c]) => c))]);
  const abOf = new Map(arms.map(([agent, c]) => [agent, { ab_test_id: c.ab_test_id, arm: c.arm }]));
  const agents: Record<string, PinnedAgent> = {};
  for (const ref of definition.agents) {
    const version = resolved.get(ref.name);
    const ab = abOf.get(ref.name);
    if (version) agents[ref.name] = ab ? { ...pin(version), ab } : pin(version);
  }
  const init: RunInit = {
    run_id: runId,
    workflow: plan.current.workflow.name,
    revision: plan.current.revision.revision,
    definition,
    agents,
    input: request.input,
    trigger: request.trigger,
    started_by: request.startedBy,
    ...(request.requestId ? { request_id: request.requestId } : {}),
    limits: DEFAULT_RUN_LIMITS,
    branches: await workerBranches(env, definition, runId, request),
    ...(request.event ? { event: request.event } : {}),
    ...(request.matched ? { matched: request.matched } : {}),
  };
  return runObject(env, runId).start(init);
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
