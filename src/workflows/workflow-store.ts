import { and, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type AuditEntry, auditIfChanged } from "../audit/audit-log";
import type { Database } from "../db/client";
import { workflowRevisions, workflows } from "../db/schema";
import { subscriptionStatements, unsubscribeStatements } from "../events/subscriptions";
import { ApiError } from "../http/errors";
import { decodeCursor, decodeIntegerCursor, page } from "../lib/cursor";
import { isoNow } from "../lib/time";
import type { DefinitionIssue } from "./definition/issues";
import type { SourceFormat } from "./definition/source";
import type { WorkflowDefinition } from "./definition/types";
import type { Workflow, WorkflowRevision, WorkflowSummary } from "./schemas";

// Workflows and their revisions in D1. A revision is written together with the workflow row's move to it
// (and its audit row) in one batch, conditional on the revision the writer read: of two concurrent
// changes one wins and the other is told to read again, so revision numbers never collide or skip.

export type WorkflowRow = typeof workflows.$inferSelect;
export type RevisionRow = typeof workflowRevisions.$inferSelect;
type Audit = Pick<AuditEntry, "agentId" | "requestId">;

export interface CurrentWorkflow {
  workflow: WorkflowRow;
  revision: RevisionRow;
}

export const definitionOf = (row: RevisionRow) => JSON.parse(row.definition) as WorkflowDefinition;

export function workflowJson(workflow: WorkflowRow, revision: RevisionRow): Workflow {
  const d = definitionOf(revision);
  return {
    name: workflow.name,
    revision: revision.revision,
    description: d.description,
    agents: d.agents,
    coordination: d.coordination,
    triggers: d.triggers,
    guard_rails: d.guard_rails,
    defaults: d.defaults,
    schemas: d.schemas,
    created_by: workflow.createdBy,
    created_at: workflow.createdAt,
    updated_at: revision.createdAt,
    warnings: JSON.parse(revision.warnings) as DefinitionIssue[],
  };
}

export function revisionJson(row: RevisionRow): WorkflowRevision {
  return {
    name: row.name,
    revision: row.revision,
    content_hash: row.contentHash,
    rollback_of: row.rollbackOf,
    warnings: JSON.parse(row.warnings) as DefinitionIssue[],
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

/** The workflow's row whether deleted or not, or undefined if the name was never used. */
export async function workflowRow(db: Database, name: string): Promise<WorkflowRow | undefined> {
  const [row] = await db.select().from(workflows).where(eq(workflows.name, name));
  return row;
}

/** The live workflow and its current revision, or undefined (never created, or deleted). */
export async function currentWorkflow(db: Database, name: string): Promise<CurrentWorkflow | undefined> {
  const [row] = await db
    .select({ workflow: workflows, revision: workflowRevisions })
    .from(workflows)
    .innerJoin(workflowRevisions, and(eq(workflowRevisions.name, workflows.name), eq(workflowRevisions.revision, workflows.currentRevision)))
    .where(and(eq(workflows.name, name), isNull(workflows.deletedAt)));
  return row;
}

export async function requireWorkflow(db: Database, name: string): Promise<CurrentWorkflow> {
  const found = await currentWorkflow(db, name);
  if (!found) throw new ApiError("not_found", `Workflow '${name}' does not exist.`);
  return found;
}

export async function revisionOf(db: Database, name: string, revision: number): Promise<RevisionRow> {
  const [row] = await db
    .select()
    .from(workflowRevisions)
    .where(and(eq(workflowRevisions.name, name), eq(workflowRevisions.revision, revision)));
  if (!row) throw new ApiError("not_found", `Workflow '${name}' has no revision ${revision}.`);
  return row;
}

export interface NewRevision {
  name: string;
  definition: WorkflowDefinition;
  contentHash: string;
  source: { text: string; format: SourceFormat };
  warnings: DefinitionIssue[];
  rollbackOf: number | null;
}

/**
 * What the writer read: nothing under this name, a deleted workflow (re-created with the next revision
 * number, so old runs' revisions keep meaning what they meant), or the live workflow at a revision.
 */
export type Basis = { kind: "new" } | { kind: "recreate"; from: WorkflowRow } | { kind: "change"; from: WorkflowRow };

/** Which revision a save writes, for statements that must apply only if that very revision was saved. */
export interface SavedRevisionKey {
  name: string;
  revision: number;
  contentHash: string;
  createdAt: string;
}

/** Statements that go in the save's own batch (a workflow's trigger registry), conditional on the revision being saved. */
export type AlongsideSave = (saved: SavedRevisionKey) => BatchItem<"sqlite">[];

/**
 * Saves the revision if the workflow is still as the writer read it; null when another change won.
 * `alongside` statements run in the same batch, after the revision's insert.
 */
export async function saveRevision(db: Database, basis: Basis, next: NewRevision, audit: Audit, alongside?: AlongsideSave): Promise<CurrentWorkflow | null> {
  const at = isoNow();
  const revision = basis.kind === "new" ? 1 : basis.from.currentRevision + 1;
  const action = basis.kind === "change" ? (next.rollbackOf === null ? "workflow:update" : "workflow:rollback") : "workflow:create";
  const claim =
    basis.kind === "new"
      ? db
          .insert(workflows)
          .values({ name: next.name, currentRevision: 1, description: next.definition.description, createdBy: audit.agentId, createdAt: at, updatedAt: at })
          .onConflictDoNothing()
          .returning({ name: workflows.name })
      : db
          .update(workflows)
          .set({
            currentRevision: revision,
            description: next.definition.description,
            updatedAt: at,
            ...(basis.kind === "recreate" ? { createdBy: audit.agentId, createdAt: at, deletedAt: null } : {}),
          })
          .where(
            and(
              eq(workflows.name, next.name),
              eq(workflows.currentRevision, basis.from.currentRevision),
              basis.kind === "recreate" ? sql`${workflows.deletedAt} IS NOT NULL` : isNull(workflows.deletedAt),
            ),
          )
          .returning({ name: workflows.name });
  const row: RevisionRow = {
    name: next.name,
    revision,
    definition: JSON.stringify(next.definition),
    source: next.source.text,
    sourceFormat: next.source.format,
    contentHash: next.contentHash,
    warnings: JSON.stringify(next.warnings),
    rollbackOf: next.rollbackOf,
    createdBy: audit.agentId,
    createdAt: at,
  };
  // Columns in the table's declared order: the select's values fill them positionally.
  const insertRevision = db
    .insert(workflowRevisions)
    .select(
      sql`SELECT ${row.name}, ${row.revision}, ${row.definition}, ${row.source}, ${row.sourceFormat}, ${row.contentHash}, ${row.warnings}, ${row.rollbackOf}, ${row.createdBy}, ${row.createdAt} WHERE changes() > 0`,
    );
  const details: Record<string, unknown> = { revision, content_hash: next.contentHash };
  if (next.rollbackOf !== null) details.rollback_of = next.rollbackOf;
  const extra = alongside?.({ name: next.name, revision, contentHash: next.contentHash, createdAt: at }) ?? [];
  const [claimed] = await db.batch([
    claim,
    insertRevision,
    auditIfChanged(db, { ...audit, action, resource: `workflow:${next.name}`, status: "success", details }),
    ...extra,
    // The event subscriptions move with the revision (events/subscriptions.ts), in the same transaction.
    ...subscriptionStatements(db, next.name, revision, next.contentHash, next.definition),
  ]);
  if (claimed.length === 0) return null;
  const before = basis.kind === "new" ? undefined : basis.from;
  const workflow: WorkflowRow =
    before === undefined || basis.kind === "recreate"
      ? { name: next.name, currentRevision: revision, description: next.definition.description, createdBy: audit.agentId, createdAt: at, updatedAt: at, deletedAt: null }
      : { ...before, currentRevision: revision, description: next.definition.description, updatedAt: at };
  return { workflow, revision: row };
}

/**
 * Marks the workflow deleted (its revisions stay, for the runs that name them); false if it was not live.
 * `alongside` statements (removing its triggers) run in the same batch.
 */
export async function markDeleted(db: Database, name: string, details: Record<string, unknown>, audit: Audit, alongside: BatchItem<"sqlite">[] = []): Promise<boolean> {
  const at = isoNow();
  const [deleted] = await db.batch([
    db
      .update(workflows)
      .set({ deletedAt: at, updatedAt: at })
      .where(and(eq(workflows.name, name), isNull(workflows.deletedAt)))
      .returning({ name: workflows.name }),
    auditIfChanged(db, { ...audit, action: "workflow:delete", resource: `workflow:${name}`, status: "success", details }),
    ...alongside,
    ...unsubscribeStatements(db, name),
  ]);
  return deleted.length > 0;
}

/** Live workflows by name. */
export async function listWorkflows(db: Database, limit: number, cursor: string | undefined): Promise<{ items: WorkflowSummary[]; next_cursor: string | null }> {
  const after = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(workflows)
    .where(and(isNull(workflows.deletedAt), after === undefined ? undefined : gt(workflows.name, after)))
    .orderBy(workflows.name)
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.name);
  return {
    items: result.items.map((r) => ({
      name: r.name,
      revision: r.currentRevision,
      description: r.description,
      created_by: r.createdBy,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    })),
    next_cursor: result.next_cursor,
  };
}

/** A workflow's revisions, newest first. */
export async function listRevisions(db: Database, name: string, limit: number, cursor: string | undefined) {
  const before = decodeIntegerCursor(cursor, 1);
  const rows = await db
    .select()
    .from(workflowRevisions)
    .where(and(eq(workflowRevisions.name, name), before === undefined ? undefined : lt(workflowRevisions.revision, before)))
    .orderBy(desc(workflowRevisions.revision))
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.revision);
  return { items: result.items.map(revisionJson), next_cursor: result.next_cursor };
}
