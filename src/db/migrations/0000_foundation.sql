CREATE TABLE `_agent_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`lookup` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `_agent_keys_lookup` ON `_agent_keys` (`lookup`);--> statement-breakpoint
CREATE INDEX `_agent_keys_agent` ON `_agent_keys` (`agent_id`);--> statement-breakpoint
CREATE TABLE `_agents` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`description` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `_audit_log` (
	`audit_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`action` text NOT NULL,
	`resource` text NOT NULL,
	`status` text NOT NULL,
	`request_id` text,
	`at` text NOT NULL,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `_audit_log_at` ON `_audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `_audit_log_agent` ON `_audit_log` (`agent_id`,`at`);--> statement-breakpoint
CREATE TABLE `_idempotency_keys` (
	`scope` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_idempotency_keys_expires` ON `_idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `_memory` (
	`memory_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`content` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`memory_type` text NOT NULL,
	`importance` real NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text,
	`access_count` integer DEFAULT 0 NOT NULL,
	`last_accessed_at` text
);
--> statement-breakpoint
CREATE INDEX `_memory_namespace` ON `_memory` (`agent_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `_memory_expires` ON `_memory` (`expires_at`) WHERE expires_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `_policy_denials` (
	`denial_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`action` text NOT NULL,
	`resource` text NOT NULL,
	`policy_id` text,
	`reason` text NOT NULL,
	`denied_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_policy_denials_at` ON `_policy_denials` (`denied_at`);