import { z } from "zod";
import { BRANCH_STATUSES } from "../../branches/schemas";
import type { QueryResult } from "../../sql/query-result";
import { segment } from "../rest-client";
import { ADDS, CHANGES, READS, REPLACES, ToolOutput, defineTool } from "../tool";
import { branchId, sql, sqlParams } from "./arguments";

interface Branch {
  branch_id: string;
  label: string;
}

/** A branch as HatiData names its fields (`name`), with Switchyard's `label` kept. */
const named = (branch: Branch) => ({ ...branch, name: branch.label });

/** A listing reads at most this many branches (ten pages). */
const MAX_LISTED = 1000;

export const branchCreate = defineTool({
  name: "branch_create",
  title: "Create a branch",
  description:
    "Create a copy-on-write sandbox of the SQL data layer to try changes in isolation (creating one copies nothing): write and query it with " +
    "branch_write and branch_query, review it with branch_diff, then branch_merge or branch_discard it. Hand its id to a reviewer. " +
    "Returns {branch_id, name, description, status: open, created_by, created_at, expires_at}.",
  input: z.strictObject({
    name: z.string().min(1).max(200).describe("A label for the branch, e.g. q1-forecast-experiment."),
    description: z.string().max(2000).optional().describe("What the branch is for."),
    ttl_seconds: z.number().int().min(1).optional().describe("Discard it by itself after this many seconds (default: the deployment's TTL)."),
  }),
  annotations: ADDS,
  run: async ({ name, ...options }, { rest }) => named(await rest.post<Branch>("/v1/branches", { body: { label: name, ...options } })),
});

export const branchQuery = defineTool({
  name: "branch_query",
  title: "Run SQL on a branch",
  description:
    "Run one SQLite statement against a branch's view of the data: main as it was when the branch first touched each table, plus the branch's changes. " +
    "Writes are allowed and stay in the branch. Returns a JSON array of row objects; structuredContent is {rows, columns, row_count, truncated, duration_ms, changes?}.",
  input: z.strictObject({ branch_id: branchId, sql, params: sqlParams }),
  annotations: CHANGES,
  listKey: "rows",
  run: async ({ branch_id, ...body }, { rest }) => {
    const result = await rest.post<QueryResult>(`/v1/branches/${segment(branch_id)}/query`, { body });
    return new ToolOutput(result.rows, { ...result });
  },
});

export const branchWrite = defineTool({
  name: "branch_write",
  title: "Write rows into a branch",
  description:
    "Insert (or upsert by primary key) rows into a table of a branch; main is untouched until a merge. A table that exists nowhere is created " +
    "from the rows (their keys are its columns; `id` is its key when every row has one). Returns {table, written}.",
  input: z.strictObject({
    branch_id: branchId,
    table: z.string().min(1).max(128).describe("The table, e.g. revenue_forecast."),
    rows: z.array(z.record(z.string(), z.json())).min(1).max(5000).describe("The rows: objects keyed by column."),
    mode: z.enum(["insert", "upsert"]).optional().describe("insert (default) or upsert (replace rows with the same primary key)."),
  }),
  annotations: CHANGES,
  run: ({ branch_id, ...body }, { rest }) => rest.post(`/v1/branches/${segment(branch_id)}/write`, { body }),
});

export const branchDiff = defineTool({
  name: "branch_diff",
  title: "Review a branch's changes",
  description:
    "See what a branch changed, table by table (rows added, changed with before and after, deleted), and the conflicts a merge would meet now. " +
    "Returns {branch_id, tables: [{table, primary_key, created, added_columns, added, changed, deleted}], conflicts}.",
  input: z.strictObject({ branch_id: branchId }),
  annotations: READS,
  run: ({ branch_id }, { rest }) => rest.get(`/v1/branches/${segment(branch_id)}/diff`),
});

interface MergeResult {
  status: "merged" | "conflicted";
  applied: Record<string, number>;
  conflicts: unknown[];
}

export const branchMerge = defineTool({
  name: "branch_merge",
  title: "Merge a branch into main",
  description:
    "Apply a branch's changes to main, all or nothing. strategy: branch_wins (default) or main_wins settle conflicts; manual applies nothing if " +
    "there is any conflict (the branch stays open) until resolutions settle each. Returns {branch_id, merged, status: merged | conflicted, applied, conflicts}.",
  input: z.strictObject({
    branch_id: branchId,
    strategy: z.enum(["branch_wins", "main_wins", "manual"]).optional().describe("How conflicts are settled (default branch_wins)."),
    resolutions: z
      .array(
        z.strictObject({
          table: z.string().min(1).max(128),
          key: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
          take: z.union([z.enum(["main", "branch"]), z.strictObject({ row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) })]),
        }),
      )
      .optional()
      .describe("For strategy manual: for each conflict (table and key, as branch_diff or a conflicted merge reports them) take main's row, the branch's, or {row}."),
  }),
  annotations: CHANGES,
  run: async ({ branch_id, strategy, resolutions }, { rest }) => {
    const result = await rest.post<MergeResult>(`/v1/branches/${segment(branch_id)}/merge`, { body: { strategy: strategy ?? "branch_wins", resolutions } });
    return { branch_id, merged: result.status === "merged", status: result.status, applied: result.applied, conflicts: result.conflicts };
  },
});

export const branchDiscard = defineTool({
  name: "branch_discard",
  title: "Discard a branch",
  description: "Throw a branch away with everything written on it; main is untouched. Returns {discarded: true, branch_id, status}.",
  input: z.strictObject({ branch_id: branchId }),
  annotations: REPLACES,
  run: async ({ branch_id }, { rest }) => {
    const branch = await rest.post<{ status: string }>(`/v1/branches/${segment(branch_id)}/discard`);
    return { discarded: true, branch_id, status: branch.status };
  },
});

export const branchList = defineTool({
  name: "branch_list",
  title: "List branches",
  description:
    "List branches, oldest first, optionally only those in one status. Returns a JSON array of {branch_id, name, description, status, created_by, " +
    "created_at, expires_at, merged_at, ...}; structuredContent wraps it as {items}.",
  input: z.strictObject({ status: z.enum(BRANCH_STATUSES).optional().describe("open, merged, discarded or expired (default: all).") }),
  annotations: READS,
  listKey: "items",
  run: async ({ status }, { rest }) => {
    const branches: Branch[] = [];
    let cursor: string | undefined;
    do {
      const page = await rest.get<{ items: Branch[]; next_cursor: string | null }>("/v1/branches", { query: { status, limit: 100, cursor } });
      branches.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && branches.length < MAX_LISTED);
    return branches.map(named);
  },
});

export const BRANCH_TOOLS = [branchCreate, branchQuery, branchWrite, branchDiff, branchMerge, branchDiscard, branchList];
