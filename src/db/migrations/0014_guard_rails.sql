-- Guard rails (issue 16): the deployment's rules with their version token, and every violation.
CREATE TABLE `_guard_rails` (
	`id` integer PRIMARY KEY NOT NULL,
	`rules` text NOT NULL,
	`version` text NOT NULL,
	`updated_by` text,
	`updated_at` text
);
--> statement-breakpoint
INSERT INTO `_guard_rails` (`id`, `rules`, `version`) VALUES (1, '{}', '0');
--> statement-breakpoint
CREATE TABLE `_guard_rail_violations` (
	`violation_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`rule` text NOT NULL,
	`kind` text,
	`path` text NOT NULL,
	`mode` text NOT NULL,
	`action` text NOT NULL,
	`resource` text NOT NULL,
	`run_id` text,
	`task_id` text,
	`request_id` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_guard_rail_violations_at` ON `_guard_rail_violations` (`at`);
--> statement-breakpoint
CREATE INDEX `_guard_rail_violations_agent` ON `_guard_rail_violations` (`agent_id`,`at`);
--> statement-breakpoint
CREATE INDEX `_guard_rail_violations_resource` ON `_guard_rail_violations` (`resource`,`at`);
