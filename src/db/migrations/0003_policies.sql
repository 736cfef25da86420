CREATE TABLE `_policies` (
	`policy_id` text PRIMARY KEY NOT NULL,
	`description` text,
	`effect` text NOT NULL,
	`actions` text NOT NULL,
	`resources` text NOT NULL,
	`principals` text,
	`condition` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `_policy_set` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`changed_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `_policy_set` (`id`, `version`, `changed_at`) VALUES (1, '0', '1970-01-01T00:00:00.000Z');
