-- The registry of workflow runs and their tasks (issue 12). Each run's own Durable Object is the truth;
-- these rows mirror it for lists and SQL, written by the run itself (newest `rev` of a task wins).
CREATE TABLE `_runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`workflow` text NOT NULL,
	`revision` integer NOT NULL,
	`status` text NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger` text NOT NULL,
	`agents` text NOT NULL,
	`error` text,
	`started_by` text NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text,
	`mode` text DEFAULT 'live' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_runs_workflow` ON `_runs` (`workflow`,`run_id`);
--> statement-breakpoint
CREATE INDEX `_runs_status` ON `_runs` (`status`,`run_id`);
--> statement-breakpoint
CREATE TABLE `_tasks` (
	`task_id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`workflow` text NOT NULL,
	`agent_id` text NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`completed_at` text,
	`deadline` text NOT NULL,
	`error_code` text,
	`tokens_in` integer,
	`tokens_out` integer,
	`ab_test_id` text,
	`ab_arm` text,
	`rev` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_tasks_run` ON `_tasks` (`run_id`);
--> statement-breakpoint
CREATE INDEX `_tasks_workflow_agent` ON `_tasks` (`workflow`,`agent_id`,`completed_at`);
