-- A/B tests of agent versions (api-v1-coordination.md, "A/B tests"; docs/ab-tests.md). Hand-written: see
-- README, "Development". `_ab_tests` and `_ab_test_arms` are readable (never writable) with SQL.

-- One row per test. The split is kept as given (weights summing to 100); `metrics` is a JSON array of
-- metric names in the order they were listed; `ends_at` is `started_at` + `duration_days` (NULL: no end).
CREATE TABLE `_ab_tests` (
	`ab_test_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`version_a` text NOT NULL,
	`version_b` text NOT NULL,
	`split_a` real NOT NULL,
	`split_b` real NOT NULL,
	`metrics` text NOT NULL,
	`duration_days` real,
	`min_samples` integer NOT NULL,
	`sequential` integer NOT NULL,
	`auto_rollback` integer NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`ends_at` text,
	`ended_at` text,
	`ended_by` text,
	`end_reason` text,
	`created_by` text NOT NULL
);
--> statement-breakpoint
-- One running test per agent, whatever races: the second insert conflicts here.
CREATE UNIQUE INDEX `_ab_tests_running_agent` ON `_ab_tests` (`agent_id`) WHERE status = 'running';
--> statement-breakpoint
CREATE INDEX `_ab_tests_agent` ON `_ab_tests` (`agent_id`,`ab_test_id`);
--> statement-breakpoint
-- The minute sweep finds running tests past their end without a scan.
CREATE INDEX `_ab_tests_running_ends` ON `_ab_tests` (`ends_at`) WHERE status = 'running';
--> statement-breakpoint
-- Each arm's aggregates, updated as runs are assigned and tasks finish or are rated (never recomputed
-- from tasks): counts, and Welford moments (count, mean, m2) of durations and token usage.
CREATE TABLE `_ab_test_arms` (
	`ab_test_id` text NOT NULL,
	`arm` text NOT NULL,
	`version` text NOT NULL,
	`assigned` integer DEFAULT 0 NOT NULL,
	`samples` integer DEFAULT 0 NOT NULL,
	`successes` integer DEFAULT 0 NOT NULL,
	`duration_count` integer DEFAULT 0 NOT NULL,
	`duration_mean` real DEFAULT 0 NOT NULL,
	`duration_m2` real DEFAULT 0 NOT NULL,
	`tokens_count` integer DEFAULT 0 NOT NULL,
	`tokens_mean` real DEFAULT 0 NOT NULL,
	`tokens_m2` real DEFAULT 0 NOT NULL,
	`rated` integer DEFAULT 0 NOT NULL,
	`up` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`ab_test_id`, `arm`)
);
--> statement-breakpoint
-- Which arm each run got: a retried start of the same run (a trigger's) finds its row and counts nothing twice.
CREATE TABLE `_ab_assignments` (
	`ab_test_id` text NOT NULL,
	`run_id` text NOT NULL,
	`arm` text NOT NULL,
	`assigned_at` text NOT NULL,
	PRIMARY KEY(`ab_test_id`, `run_id`)
);
--> statement-breakpoint
-- A task's thumbs up or down, mirrored like its status: a changed rating adjusts the arm's counts once.
ALTER TABLE `_tasks` ADD `rating` text;
