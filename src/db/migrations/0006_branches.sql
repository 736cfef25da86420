-- Branches: copy-on-write sandboxes of the SQL data layer. The registry is the one source of truth for a
-- branch's status; its rows live in its Durable Object (durable-objects/branch.ts).
CREATE TABLE `_branches` (
	`branch_id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`merged_at` text,
	`merged_by` text,
	`closed_at` text
);
--> statement-breakpoint
CREATE INDEX `_branches_status` ON `_branches` (`status`,`branch_id`);
--> statement-breakpoint
CREATE INDEX `_branches_open_expiry` ON `_branches` (`expires_at`) WHERE status = 'open';
--> statement-breakpoint
-- A merge's tripwire: a merge batch inserts a row here only when a precondition failed (main changed since
-- the conflict check), and the CHECK makes that insert fail, which rolls the whole batch back. It is always empty.
CREATE TABLE `_branch_merge_guard` (
	`reason` text NOT NULL CHECK (`reason` IS NULL)
);
