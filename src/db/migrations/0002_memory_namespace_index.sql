DROP INDEX `_memory_namespace`;--> statement-breakpoint
CREATE INDEX `_memory_namespace_id` ON `_memory` (`agent_id`,`memory_id`);