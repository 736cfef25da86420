-- The agent catalog and workflow definitions (api-v1-coordination.md, "Agent versions", "Workflows").
-- Hand-written: see README, "Development". All three tables are readable (never writable) with SQL.

-- Published versions. `version_key` is the version without build metadata (its identity under semver
-- precedence); JSON columns hold JSON text. A version is immutable except for deprecation and promotion.
CREATE TABLE `_agent_versions` (
	`agent_id` text NOT NULL,
	`version` text NOT NULL,
	`version_key` text NOT NULL,
	`description` text,
	`endpoint` text,
	`config` text NOT NULL,
	`input_schema` text,
	`output_schema` text,
	`tags` text NOT NULL,
	`guard_rails` text,
	`prerelease` integer NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`deprecated_at` text,
	`deprecation_reason` text,
	`promoted` integer DEFAULT false NOT NULL,
	`promoted_at` text,
	`published_at` text NOT NULL,
	`published_by` text NOT NULL,
	PRIMARY KEY(`agent_id`, `version_key`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `_agent_versions_promoted` ON `_agent_versions` (`agent_id`) WHERE promoted = 1;
--> statement-breakpoint
-- Workflows by name. A deleted workflow keeps its row and revisions (runs name them); putting the name
-- again re-creates it with the next revision number.
CREATE TABLE `_workflows` (
	`name` text PRIMARY KEY NOT NULL,
	`current_revision` integer NOT NULL,
	`description` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE TABLE `_workflow_revisions` (
	`name` text NOT NULL,
	`revision` integer NOT NULL,
	`definition` text NOT NULL,
	`source` text NOT NULL,
	`source_format` text NOT NULL,
	`content_hash` text NOT NULL,
	`warnings` text NOT NULL,
	`rollback_of` integer,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`name`, `revision`)
);
