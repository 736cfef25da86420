import { z } from "@hono/zod-openapi";
import { JsonValueSchema, TimestampSchema, listOf, ListQuery } from "../http/openapi";
import { TABLE_NAME } from "./row-shape";

export const BRANCH_STATUSES = ["open", "merged", "discarded", "expired"] as const;
export const MAX_WRITE_ROWS = 5000;
/** A branch lives at most a year; a longer-lived sandbox is a table of its own. */
export const MAX_BRANCH_TTL_SECONDS = 365 * 24 * 60 * 60;

export const BranchPathSchema = z.object({
  branch_id: z.string().regex(/^br_[0-9a-z]{26}$/, "must be a branch id (br_…)").openapi({ example: "br_01jd0000000000000000000000" }),
});

export const CreateBranchSchema = z
  .strictObject({
    label: z.string().min(1).max(200).openapi({ example: "q1-forecast-experiment" }),
    description: z.string().max(2000).optional(),
    ttl_seconds: z.number().int().min(1).max(MAX_BRANCH_TTL_SECONDS).optional().openapi({ description: "Lifetime; default the deployment's `BRANCH_TTL_SECONDS`." }),
  })
  .openapi("CreateBranch");

export const BranchSchema = z
  .object({
    branch_id: z.string(),
    label: z.string(),
    description: z.string().nullable(),
    status: z.enum(BRANCH_STATUSES),
    created_by: z.string(),
    created_at: TimestampSchema,
    expires_at: TimestampSchema,
    merged_at: TimestampSchema.nullable(),
    merged_by: z.string().nullable(),
    closed_at: TimestampSchema.nullable(),
  })
  .openapi("Branch");

export const BranchListSchema = listOf(BranchSchema, "BranchList");
export const ListBranchesQuerySchema = ListQuery.extend({ status: z.enum(BRANCH_STATUSES).optional() });

const TableNameSchema = z.string().regex(TABLE_NAME, "must be a table name: a letter, then letters, digits and _ (system tables, starting with _, are never written)");

export const BranchWriteSchema = z
  .strictObject({
    table: TableNameSchema.openapi({ example: "revenue_forecast" }),
    rows: z.array(z.record(z.string(), JsonValueSchema)).min(1).max(MAX_WRITE_ROWS).openapi({ example: [{ id: "2027-Q1", revenue: 1250000, scenario: "experimental" }] }),
    mode: z.enum(["insert", "upsert"]).default("insert"),
  })
  .openapi("BranchWrite");

export const BranchWriteResultSchema = z.object({ table: z.string(), written: z.number().int() }).openapi("BranchWriteResult");

const RowSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

export const ConflictSchema = z
  .object({
    table: z.string(),
    key: RowSchema.openapi({ description: "The primary key's columns; for a keyless table, the whole row." }),
    base: z.union([RowSchema, z.number()]).nullable().openapi({ description: "The row at the branch's base (null: none). For a keyless table, its number of copies." }),
    main: z.union([RowSchema, z.number()]).nullable(),
    branch: z.union([RowSchema, z.number()]).nullable(),
  })
  .openapi("MergeConflict");

export const BranchDiffSchema = z
  .object({
    branch_id: z.string(),
    tables: z.array(
      z.object({
        table: z.string(),
        primary_key: z.array(z.string()),
        created: z.boolean(),
        added_columns: z.array(z.string()),
        added: z.array(RowSchema),
        changed: z.array(z.object({ key: RowSchema, before: RowSchema, after: RowSchema })),
        deleted: z.array(RowSchema),
      }),
    ),
    conflicts: z.array(ConflictSchema),
  })
  .openapi("BranchDiff");

export const ResolutionSchema = z.strictObject({
  table: z.string().min(1).max(128),
  key: RowSchema,
  take: z.union([z.enum(["main", "branch"]), z.strictObject({ row: RowSchema })]),
});

export const MergeSchema = z
  .strictObject({
    strategy: z.enum(["branch_wins", "main_wins", "manual"]),
    resolutions: z.array(ResolutionSchema).max(10_000).optional(),
  })
  .openapi("MergeBranch");

export const MergeResultSchema = z
  .object({
    status: z.enum(["merged", "conflicted"]),
    applied: z.record(z.string(), z.number().int()),
    conflicts: z.array(ConflictSchema),
  })
  .openapi("MergeResult");

export type BranchJson = z.infer<typeof BranchSchema>;
