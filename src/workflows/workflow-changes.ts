import type { AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { ApiError } from "../http/errors";
import { isPathClash } from "../lifecycle/registry";
import type { ShownHookKey, TriggerSync } from "../lifecycle/trigger-sync";
import { type PreparedDefinition, checkAgainstCatalog, prepareDefinition } from "./definition/check-definition";
import type { DefinitionIssue } from "./definition/issues";
import type { SourceFormat } from "./definition/source";
import { cancelRun, runningRuns } from "./run-control";
import type { Workflow } from "./schemas";
import { type Basis, type CurrentWorkflow, markDeleted, requireWorkflow, revisionOf, saveRevision, workflowJson, workflowRow } from "./workflow-store";

// Changing workflows: put a definition, roll back to a revision, delete. Each authorises against the
// workflow's author as it reads it (the caller passes how), and retries when a concurrent change moved
// the workflow between its read and its write.

type Audit = Pick<AuditEntry, "agentId" | "requestId">;

/** Authorises a change: `author` is the live workflow's author, or null when the change creates it. */
export type AuthoriseChange = (author: string | null) => Promise<void>;

/** How often a change reads again after losing a race; past that, the caller is asked to retry. */
const ATTEMPTS = 5;

const raced = (name: string) =>
  new ApiError("conflict", `Workflow '${name}' is being changed by other requests at the same moment; send the change again.`, { reason: "concurrent_change" });

export interface ChangeOutcome {
  /** 201 when the change created something (a workflow; a rollback's revision), else 200. */
  status: 200 | 201;
  /** Whether a revision was made: an unchanged definition makes none. */
  changed: boolean;
  workflow: Workflow;
  /** Keys of api_key hooks this change created: shown in this answer only (never stored in clear). */
  hookKeys: ShownHookKey[];
}

/**
 * PUT: a new revision unless the normalised definition equals the current one. With `triggers`, the
 * lifecycle triggers are checked against the deployment (as the workflow's author) and their registry is
 * rewritten in the revision's own batch.
 */
export async function putWorkflow(
  db: Database,
  name: string,
  text: string,
  format: SourceFormat,
  authorise: AuthoriseChange,
  audit: Audit,
  triggers?: TriggerSync,
): Promise<ChangeOutcome> {
  const prepared = prepareDefinition(text, format);
  let warnings: DefinitionIssue[] | undefined;
  let triggerCheck: { author: string; warnings: DefinitionIssue[] } | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const existing = await workflowRow(db, name);
    const live = existing?.deletedAt === null ? existing : undefined;
    await authorise(live ? live.createdBy : null);
    if (live) {
      const current = await revisionOf(db, name, live.currentRevision);
      if (current.contentHash === prepared.contentHash) {
        return { status: 200, changed: false, workflow: workflowJson(live, current), hookKeys: (await triggers?.reconcile(name, current)) ?? [] };
      }
    }
    warnings ??= await checkAgainstCatalog(db, prepared);
    // Polling conditions run as the workflow's author: the live workflow's, or the caller creating it.
    const author = live?.createdBy ?? audit.agentId;
    if (triggers && triggerCheck?.author !== author) triggerCheck = { author, warnings: await triggers.check(prepared, name, author) };
    const basis: Basis = !existing ? { kind: "new" } : live ? { kind: "change", from: live } : { kind: "recreate", from: existing };
    const saved = await save(db, name, basis, prepared, [...warnings, ...(triggerCheck?.warnings ?? [])], null, audit, triggers, true);
    if (saved) return { status: basis.kind === "change" ? 200 : 201, changed: true, workflow: workflowJson(saved.workflow, saved.revision), hookKeys: saved.hookKeys };
  }
  throw raced(name);
}

/**
 * A new revision equal to an earlier one, checked again like every change: a revision that pins a version
 * deprecated since is refused. Rolling back to what is current already makes no revision.
 */
export async function rollbackWorkflow(db: Database, name: string, to: number, authorise: AuthoriseChange, audit: Audit, triggers?: TriggerSync): Promise<ChangeOutcome> {
  let prepared: PreparedDefinition | undefined;
  let warnings: DefinitionIssue[] | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current: CurrentWorkflow = await requireWorkflow(db, name);
    await authorise(current.workflow.createdBy);
    const target = await revisionOf(db, name, to);
    if (target.contentHash === current.revision.contentHash) return { status: 200, changed: false, workflow: workflowJson(current.workflow, current.revision), hookKeys: [] };
    // The revision's own text, read again under today's rules: its warnings get their lines back.
    prepared ??= prepareDefinition(target.source, target.sourceFormat);
    warnings ??= [...(await checkAgainstCatalog(db, prepared)), ...((await triggers?.check(prepared, name, current.workflow.createdBy)) ?? [])];
    // A rollback's answer may be kept by the idempotency cache, so it never carries a hook key: a hook it
    // brings back without keys has none until rotated (POST /v1/workflows/{name}/hooks/rotate).
    const saved = await save(db, name, { kind: "change", from: current.workflow }, prepared, warnings, to, audit, triggers, false);
    if (saved) return { status: 201, changed: true, workflow: workflowJson(saved.workflow, saved.revision), hookKeys: [] };
  }
  throw raced(name);
}

async function save(
  db: Database,
  name: string,
  basis: Basis,
  prepared: PreparedDefinition,
  warnings: DefinitionIssue[],
  rollbackOf: number | null,
  audit: Audit,
  triggers: TriggerSync | undefined,
  issueHookKeys: boolean,
): Promise<(CurrentWorkflow & { hookKeys: ShownHookKey[] }) | null> {
  const plan = await triggers?.plan(name, prepared.definition, issueHookKeys);
  let saved: CurrentWorkflow | null;
  try {
    saved = await saveRevision(
      db,
      basis,
      { name, definition: prepared.definition, contentHash: prepared.contentHash, source: prepared.source, warnings, rollbackOf },
      audit,
      plan?.alongside,
    );
  } catch (error) {
    // Another workflow claimed one of the hook paths between the check and this batch: nothing was saved.
    if (isPathClash(error)) throw new ApiError("conflict", "One of the workflow's hook paths was just claimed by another workflow; a path is unique in the deployment: choose another.", { reason: "hook_path_taken" });
    throw error;
  }
  if (!saved) return null;
  if (plan) await triggers?.wake(plan.wake);
  return { ...saved, hookKeys: plan?.hookKeys ?? [] };
}

/** DELETE: refused (409) while runs are running, unless `force` cancels them first. */
export async function deleteWorkflow(env: Env, db: Database, name: string, force: boolean, authorise: AuthoriseChange, audit: Audit, triggers?: TriggerSync): Promise<string[]> {
  const current = await requireWorkflow(db, name);
  await authorise(current.workflow.createdBy);
  const running = await runningRuns(env, name);
  if (running.length > 0 && !force)
    throw new ApiError(
      "conflict",
      `Workflow '${name}' has ${running.length} running run${running.length === 1 ? "" : "s"}; wait for ${running.length === 1 ? "it" : "them"} to end, or delete with ?force=true to cancel ${running.length === 1 ? "it" : "them"}.`,
      { running_runs: running },
    );
  const by = { agent_id: audit.agentId, admin: true, ...(audit.requestId ? { request_id: audit.requestId } : {}) };
  await Promise.all(running.map((runId) => cancelRun(env, runId, by, `workflow '${name}' was deleted`)));
  const removal = await triggers?.removal(name);
  const deleted = await markDeleted(db, name, { revision: current.workflow.currentRevision, cancelled_runs: running }, audit, removal?.statements);
  if (!deleted) throw new ApiError("not_found", `Workflow '${name}' does not exist.`);
  if (removal) await triggers?.wake(removal.wake);
  return running;
}
