-- Lifecycle triggers of workflows (api-v1-coordination.md, "Lifecycle triggers"; issue 14). Hand-written:
-- see README, "Development". `_lifecycle_triggers` and `_trigger_decisions` are readable (never writable)
-- with SQL under the row rule of their workflow (src/sql/row-rules.ts), as through
-- GET /v1/workflows/{name}/triggers; `_hook_keys` never is.

-- The registry: one row per schedule, polling or webhook trigger of a live workflow, rewritten in the
-- same D1 batch as each revision is saved (and removed with the workflow). A trigger keeps its id, and
-- so its state and its decisions, across revisions as long as what defines it stays the same (a
-- schedule's cron and zone, a poll's condition and intervals, a hook's path). `next_at` is when the
-- trigger's Durable Object must wake next, mirrored by that object: the every-minute Cron Trigger wakes
-- any object whose `next_at` passed without it (an alarm lost in a deploy).
CREATE TABLE `_lifecycle_triggers` (
	`trigger_id` text PRIMARY KEY NOT NULL,
	`workflow` text NOT NULL,
	`revision` integer NOT NULL,
	`trigger_index` integer NOT NULL,
	`kind` text NOT NULL,
	`config` text NOT NULL,
	`path` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`next_at` text,
	`state` text,
	`last_decision` text
);
--> statement-breakpoint
-- A hook's path is unique in the deployment: a second workflow claiming it fails the whole save (409).
CREATE UNIQUE INDEX `_lifecycle_triggers_path` ON `_lifecycle_triggers` (`path`);
--> statement-breakpoint
CREATE INDEX `_lifecycle_triggers_workflow` ON `_lifecycle_triggers` (`workflow`, `trigger_index`);
--> statement-breakpoint
-- The safety net reads only what is overdue: its work grows with the triggers due, not those defined.
CREATE INDEX `_lifecycle_triggers_due` ON `_lifecycle_triggers` (`next_at`) WHERE `next_at` IS NOT NULL;
--> statement-breakpoint
-- The keys of `auth: {type: api_key}` hooks: SHA-256 hashes only, with when each stops working (a
-- rotated-out key keeps working for an hour). Apart from the registry, as key hashes live apart from
-- `_agents`.
CREATE TABLE `_hook_keys` (
	`trigger_id` text PRIMARY KEY NOT NULL,
	`workflow` text NOT NULL,
	`keys` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
-- What each trigger decided, and why: fired (the run), skipped (catch-up policy, a duplicate tick, an idle
-- poll), deduplicated (a retried call answered with the same run), failed (the error). The most recent
-- ones are kept per trigger.
CREATE TABLE `_trigger_decisions` (
	`decision_id` text PRIMARY KEY NOT NULL,
	`trigger_id` text NOT NULL,
	`workflow` text NOT NULL,
	`decision` text NOT NULL,
	`reason` text,
	`run_id` text,
	`details` text,
	`decided_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_trigger_decisions_trigger` ON `_trigger_decisions` (`trigger_id`, `decision_id`);
--> statement-breakpoint
CREATE INDEX `_trigger_decisions_workflow` ON `_trigger_decisions` (`workflow`, `decision_id`);
--> statement-breakpoint
-- Event triggers are matched by the events module (0010_events.sql); the trigger listing reads a
-- workflow's recent event decisions, newest first, without scanning everyone's.
CREATE INDEX `_event_decisions_workflow` ON `_event_decisions` (`workflow`, `decided_at`);
