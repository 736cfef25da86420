import { sql } from "drizzle-orm";
import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// ---- Agent catalog and workflow definitions (migration 0008_catalog_workflows.sql) ----

/**
 * Published agent versions: immutable but for deprecation and promotion. `version` is as published;
 * `version_key` is it without build metadata, which semver leaves out of precedence (`1.0.0+a` and
 * `1.0.0+b` are the same version to every reference), so it is what makes a version unique.
 */
export const agentVersions = sqliteTable(
  "_agent_versions",
  {
    agentId: text("agent_id").notNull(),
    version: text("version").notNull(),
    versionKey: text("version_key").notNull(),
    description: text("description"),
    endpoint: text("endpoint"),
    /** JSON text: `config` always (`{}` when not given), the schemas and guard rails NULL when not given. */
    config: text("config").notNull(),
    inputSchema: text("input_schema"),
    outputSchema: text("output_schema"),
    tags: text("tags").notNull(),
    guardRails: text("guard_rails"),
    prerelease: integer("prerelease", { mode: "boolean" }).notNull(),
    deprecated: integer("deprecated", { mode: "boolean" }).notNull().default(false),
    deprecatedAt: text("deprecated_at"),
    deprecationReason: text("deprecation_reason"),
    promoted: integer("promoted", { mode: "boolean" }).notNull().default(false),
    promotedAt: text("promoted_at"),
    publishedAt: text("published_at").notNull(),
    publishedBy: text("published_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.versionKey] }),
    // At most one promoted version per agent: `latest` names one version or none.
    uniqueIndex("_agent_versions_promoted").on(t.agentId).where(sql`promoted = 1`),
  ],
);

/** One row per workflow name; a deleted workflow keeps its row (and revisions) with `deleted_at` set. */
export const workflows = sqliteTable("_workflows", {
  name: text("name").primaryKey(),
  currentRevision: integer("current_revision").notNull(),
  description: text("description"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  deletedAt: text("deleted_at"),
});

/** Every revision of every workflow, as normalised (`definition`) and as sent (`source`). */
export const workflowRevisions = sqliteTable(
  "_workflow_revisions",
  {
    name: text("name").notNull(),
    revision: integer("revision").notNull(),
    definition: text("definition").notNull(),
    source: text("source").notNull(),
    sourceFormat: text("source_format", { enum: ["yaml", "json"] }).notNull(),
    contentHash: text("content_hash").notNull(),
    warnings: text("warnings").notNull(),
    rollbackOf: integer("rollback_of"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.revision] })],
);
