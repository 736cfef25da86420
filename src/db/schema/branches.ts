import { sql } from "drizzle-orm";
import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---- Branches (migration 0006_branches.sql) ----

/** The branch registry. `status`: open → merged | discarded | expired; a closed branch never reopens. */
export const branches = sqliteTable(
  "_branches",
  {
    branchId: text("branch_id").primaryKey(),
    label: text("label").notNull(),
    description: text("description"),
    status: text("status", { enum: ["open", "merged", "discarded", "expired"] }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    mergedAt: text("merged_at"),
    mergedBy: text("merged_by"),
    closedAt: text("closed_at"),
  },
  (t) => [index("_branches_status").on(t.status, t.branchId), index("_branches_open_expiry").on(t.expiresAt).where(sql`status = 'open'`)],
);
