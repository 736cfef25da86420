import { and, asc, eq, gt, lte, or } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Database } from "../db/client";
import { branches } from "../db/schema";
import { ApiError, notFound } from "../http/errors";
import { decodeCursor, page } from "../lib/cursor";
import { newId } from "../lib/ids";
import { isoAfterSeconds, isoNow } from "../lib/time";
import type { BranchJson } from "./schemas";

type BranchRow = typeof branches.$inferSelect;

/**
 * A branch's status as callers see it: an open branch past its expiry is expired already, even before its
 * alarm or the cron has written that down.
 */
export function branchJson(row: BranchRow, now = isoNow()): BranchJson {
  return {
    branch_id: row.branchId,
    label: row.label,
    description: row.description,
    status: row.status === "open" && row.expiresAt <= now ? "expired" : row.status,
    created_by: row.createdBy,
    created_at: row.createdAt,
    expires_at: row.expiresAt,
    merged_at: row.mergedAt,
    merged_by: row.mergedBy,
    closed_at: row.closedAt,
  };
}

/** The deployment's default lifetime of a branch (`BRANCH_TTL_SECONDS`, a week unless configured). */
export function defaultTtlSeconds(env: Env): number {
  const configured = Number(env.BRANCH_TTL_SECONDS);
  return Number.isFinite(configured) && configured > 0 ? configured : 7 * 24 * 60 * 60;
}

/** Creating a branch copies nothing: one registry row and its audit row, in one batch. */
export async function createBranch(
  db: Database,
  input: { label: string; description?: string; ttlSeconds: number },
  audit: Omit<AuditEntry, "action" | "resource" | "status">,
): Promise<BranchJson> {
  const now = Date.now();
  const row: BranchRow = {
    branchId: newId("br"),
    label: input.label,
    description: input.description ?? null,
    status: "open",
    createdBy: audit.agentId,
    createdAt: new Date(now).toISOString(),
    expiresAt: isoAfterSeconds(input.ttlSeconds, now),
    mergedAt: null,
    mergedBy: null,
    closedAt: null,
  };
  await db.batch([
    db.insert(branches).values(row),
    auditInsert(db, { ...audit, action: "branch:create", resource: `branch:${row.branchId}`, status: "success", details: { label: row.label, expires_at: row.expiresAt } }),
  ]);
  return branchJson(row);
}

export async function findBranch(db: Database, branchId: string): Promise<BranchJson> {
  const [row] = await db.select().from(branches).where(eq(branches.branchId, branchId));
  if (!row) throw notFound("Branch", branchId);
  return branchJson(row);
}

/** The branch, if it still takes work: merged, discarded and expired branches answer 409. */
export function requireOpen(branch: BranchJson): BranchJson {
  if (branch.status !== "open")
    throw new ApiError("conflict", `Branch '${branch.branch_id}' is ${branch.status}; it takes no more writes or merges.`, { reason: "branch_closed", status: branch.status });
  return branch;
}

/** Oldest first (ids sort by creation time), optionally one status only. */
export async function listBranches(db: Database, filter: { status?: BranchJson["status"] }, limit: number, cursor?: string) {
  const after = decodeCursor(cursor);
  const now = isoNow();
  // "expired" includes open rows past their expiry that the sweep has not yet closed, and "open" excludes them.
  const statusFilter =
    filter.status === undefined
      ? undefined
      : filter.status === "open"
        ? and(eq(branches.status, "open"), gt(branches.expiresAt, now))
        : filter.status === "expired"
          ? or(eq(branches.status, "expired"), and(eq(branches.status, "open"), lte(branches.expiresAt, now)))
          : eq(branches.status, filter.status);
  const rows = await db
    .select()
    .from(branches)
    .where(and(statusFilter, after === undefined ? undefined : gt(branches.branchId, after)))
    .orderBy(asc(branches.branchId))
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.branchId);
  return { items: result.items.map((r) => branchJson(r, now)), next_cursor: result.next_cursor };
}

/** Open branches past their expiry, for the cron to close (each by its own object). */
export async function dueBranches(db: Database, now: string, limit = 100): Promise<string[]> {
  const rows = await db
    .select({ branchId: branches.branchId })
    .from(branches)
    .where(and(eq(branches.status, "open"), lte(branches.expiresAt, now)))
    .limit(limit);
  return rows.map((r) => r.branchId);
}
