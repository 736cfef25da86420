import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { ApiError } from "../http/errors";
import { issueHookKeys, type HookKey } from "../schedules/hook-auth/hook-keys";
import { webhookUrlRefusal, allowsPrivateWebhooks } from "../triggers/webhooks/url-guard";
import type { PreparedDefinition } from "../workflows/definition/check-definition";
import { type DefinitionIssue, type PendingIssue, definitionError, formatPath } from "../workflows/definition/issues";
import type { WorkflowDefinition } from "../workflows/definition/types";
import { type AlongsideSave, type RevisionRow, definitionOf } from "../workflows/workflow-store";
import { lifecycleClock } from "./clock";
import { authorPrincipal } from "./author";
import { checkCondition } from "./polling-condition";
import { isPathClash, pathsTakenElsewhere, registryStatements, removalStatements, triggersWithKeys, workflowTriggerRows } from "./registry";
import { plannedTriggers } from "./trigger-identity";
import { wakeTriggers } from "./trigger-object";

/** A hook key shown once, in the answer of the PUT that created the hook (or of a rotation). */
export interface ShownHookKey {
  path: string;
  header: string;
  api_key: string;
}

/** What a save needs from the triggers: statements for its batch, the keys to show, the objects to tell. */
export interface TriggerPlan {
  alongside: AlongsideSave;
  hookKeys: ShownHookKey[];
  /** The schedule and polling triggers before and after the change: each is told to read the registry. */
  wake: string[];
}

/**
 * The lifecycle triggers' part in changing a workflow (src/workflows/workflow-changes.ts calls it):
 * what can only be checked against the deployment is checked at PUT (a polling condition through the
 * SQL guard as the author, a hook path free in the deployment, a `jwks_url` the URL guard allows); the
 * registry is rewritten in the revision's own batch; the triggers' objects are told afterwards.
 */
export class TriggerSync {
  constructor(
    private readonly env: Env,
    private readonly db: Database,
  ) {}

  /** Throws the 400 (conditions, URLs) or 409 (paths) a PUT gets; returns warnings to keep with the revision. */
  async check(prepared: PreparedDefinition, workflow: string, author: string): Promise<DefinitionIssue[]> {
    const { triggers } = prepared.definition;
    const errors: PendingIssue[] = [];
    const warnings: PendingIssue[] = [];
    const now = new Date(lifecycleClock.now());
    for (const [i, trigger] of triggers.entries()) {
      if (trigger.type === "polling") {
        const principal = await authorPrincipal(this.db, author);
        if (!principal) {
          errors.push({ path: ["triggers", i, "condition"], message: `cannot be checked: the workflow's author '${author}' is not an agent` });
          continue;
        }
        const check = await checkCondition(this.env, this.db, principal, trigger.condition, now, `put:${workflow}`);
        if (!check.ok) errors.push({ path: ["triggers", i, "condition"], message: `is refused: ${check.reason}` });
      }
      if (trigger.type === "webhook" && trigger.auth.type === "jwt") {
        const { jwks_url: url, secret_name: secret } = trigger.auth;
        if (url !== undefined) {
          const allowPrivate = allowsPrivateWebhooks(this.env);
          // An issuer's keys must not be swappable on the way: https, except for a local issuer in development.
          const refusal = !allowPrivate && new URL(url).protocol !== "https:" ? "must use https" : await webhookUrlRefusal(url, { allowPrivate });
          if (refusal) errors.push({ path: ["triggers", i, "auth", "jwks_url"], message: `is refused: the URL ${refusal}` });
        }
        if (secret !== undefined && typeof (this.env as unknown as Record<string, unknown>)[secret] !== "string") {
          warnings.push({
            path: ["triggers", i, "auth", "secret_name"],
            message: `the Worker secret '${secret}' is not set: the hook refuses every call until it is (\`wrangler secret put ${secret}\`)`,
          });
        }
      }
    }
    if (errors.length > 0) throw definitionError(place(prepared, errors));
    const paths = triggers.flatMap((t) => (t.type === "webhook" ? [t.path] : []));
    const taken = await pathsTakenElsewhere(this.db, workflow, paths);
    if (taken.length > 0) {
      const [first] = taken;
      throw new ApiError(
        "conflict",
        `The hook path ${first!.path} is already the hook of workflow '${first!.workflow}'; a path is unique in the deployment: choose another.`,
        { reason: "hook_path_taken", paths: taken },
      );
    }
    return place(prepared, warnings);
  }

  /**
   * Reads what the save needs (which hooks have keys already) and prepares its statements. With
   * `issueKeys`, an api_key hook without keys gets one, to show in the answer; without (a rollback, whose
   * answer may be cached), it gets none until rotated.
   */
  async plan(workflow: string, definition: WorkflowDefinition, issueKeys: boolean): Promise<TriggerPlan> {
    const planned = plannedTriggers(workflow, definition.triggers);
    const [before, keyed] = await Promise.all([workflowTriggerRows(this.db, workflow), triggersWithKeys(this.db, workflow)]);
    const newKeys = new Map<string, HookKey[]>();
    const hookKeys: ShownHookKey[] = [];
    for (const p of planned) {
      if (!issueKeys || p.config.type !== "webhook" || p.config.auth.type !== "api_key" || keyed.has(p.triggerId)) continue;
      const issued = issueHookKeys();
      newKeys.set(p.triggerId, issued.keys);
      hookKeys.push({ path: p.config.path, header: p.config.auth.header, api_key: issued.secret });
    }
    const timed = (kind: string) => kind === "schedule" || kind === "polling";
    const wake = [...before.filter((r) => timed(r.kind)).map((r) => r.triggerId), ...planned.filter((p) => timed(p.kind)).map((p) => p.triggerId)];
    return { alongside: (saved) => registryStatements(this.db, saved, planned, newKeys), hookKeys, wake };
  }

  /**
   * For a PUT that changes nothing: registers the current revision's triggers if the registry does not
   * describe them (a workflow saved before lifecycle triggers were wired, or a registry repaired by
   * hand). Answers the keys of hooks this gave a first key. A no-op, one read, when all is in place.
   */
  async reconcile(workflow: string, revision: RevisionRow): Promise<ShownHookKey[]> {
    const definition = definitionOf(revision);
    const planned = plannedTriggers(workflow, definition.triggers);
    const rows = await workflowTriggerRows(this.db, workflow);
    const registered = new Map(rows.map((r) => [r.triggerId, r.revision]));
    if (rows.length === planned.length && planned.every((p) => registered.get(p.triggerId) === revision.revision)) return [];
    const plan = await this.plan(workflow, definition, true);
    const [first, ...rest] = plan.alongside({ name: workflow, revision: revision.revision, contentHash: revision.contentHash, createdAt: revision.createdAt });
    try {
      if (first) await this.db.batch([first, ...rest]);
    } catch (error) {
      if (isPathClash(error)) throw new ApiError("conflict", "One of the workflow's hook paths is the hook of another workflow; a path is unique in the deployment: choose another.", { reason: "hook_path_taken" });
      throw error;
    }
    await this.wake(plan.wake);
    return plan.hookKeys;
  }

  /** The statements that remove a deleted workflow's triggers, and the objects to tell afterwards. */
  async removal(workflow: string): Promise<{ statements: BatchItem<"sqlite">[]; wake: string[] }> {
    const before = await workflowTriggerRows(this.db, workflow);
    return { statements: removalStatements(this.db, workflow), wake: before.filter((r) => r.kind !== "webhook").map((r) => r.triggerId) };
  }

  async wake(triggerIds: readonly string[]): Promise<void> {
    if (triggerIds.length > 0) await wakeTriggers(this.env, triggerIds);
  }
}

function place(prepared: PreparedDefinition, issues: readonly PendingIssue[]): DefinitionIssue[] {
  return issues.map((issue) => {
    const at = prepared.locate(issue.path, issue.atKey);
    return { path: formatPath(issue.path), line: at?.line ?? null, column: at?.column ?? null, message: issue.message };
  });
}
