-- Observability (issue 17): what each finished run adds to its workflow's dependency graph and bottleneck
-- report, written once by the run when it ends (its rows replaced whole, so a repeated write changes
-- nothing). Reading the graph or the bottlenecks adds these rows up over a window; no run is replayed.
-- Readable with SQL, each row only to callers that may read its workflow (src/sql/row-rules.ts).
CREATE TABLE `_run_observations` (
	`run_id` text PRIMARY KEY NOT NULL,
	`workflow` text NOT NULL,
	`revision` integer NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text NOT NULL,
	`critical_path_ms` integer NOT NULL,
	`critical_path` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_run_observations_workflow` ON `_run_observations` (`workflow`,`ended_at`);
--> statement-breakpoint
CREATE TABLE `_run_agent_stats` (
	`run_id` text NOT NULL,
	`workflow` text NOT NULL,
	`ended_at` text NOT NULL,
	`agent_id` text NOT NULL,
	`versions` text NOT NULL,
	`tasks` integer NOT NULL,
	`retries` integer NOT NULL,
	`timeouts` integer NOT NULL,
	`failures` integer NOT NULL,
	`critical_path_ms` integer NOT NULL,
	PRIMARY KEY(`run_id`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `_run_agent_stats_workflow` ON `_run_agent_stats` (`workflow`,`ended_at`);
--> statement-breakpoint
CREATE TABLE `_run_edges` (
	`run_id` text NOT NULL,
	`workflow` text NOT NULL,
	`ended_at` text NOT NULL,
	`from_agent` text NOT NULL,
	`to_agent` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`run_id`, `from_agent`, `to_agent`, `kind`)
);
--> statement-breakpoint
CREATE INDEX `_run_edges_workflow` ON `_run_edges` (`workflow`,`ended_at`);
--> statement-breakpoint
CREATE TABLE `_run_task_durations` (
	`task_id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`workflow` text NOT NULL,
	`ended_at` text NOT NULL,
	`agent_id` text NOT NULL,
	`duration_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_run_task_durations_workflow` ON `_run_task_durations` (`workflow`,`ended_at`,`agent_id`,`duration_ms`);
--> statement-breakpoint
CREATE INDEX `_run_task_durations_run` ON `_run_task_durations` (`run_id`);
