-- The chain-of-thought ledger (docs/cot.md). One row per step; a step's hash covers its fields and the
-- previous step's hash, so an edited, removed or reordered step breaks the chain where it happened.
CREATE TABLE `_cot` (
	`session_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`agent_id` text NOT NULL,
	`step_type` text NOT NULL,
	`content` text NOT NULL,
	`input_data` text,
	`output_data` text,
	`importance` real NOT NULL,
	`metadata` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`logged_at` text NOT NULL,
	PRIMARY KEY(`session_id`, `step_index`)
) WITHOUT ROWID;
--> statement-breakpoint
-- One row per session, kept in the same D1 batch as its steps: lists sessions without scanning steps, and
-- records the head (steps, head_hash) so that verification also notices steps removed from the end.
CREATE TABLE `_cot_sessions` (
	`session_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`steps` integer NOT NULL,
	`first_logged_at` text NOT NULL,
	`last_logged_at` text NOT NULL,
	`head_hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `_cot_sessions_agent` ON `_cot_sessions` (`agent_id`, `session_id`);--> statement-breakpoint
CREATE INDEX `_cot_sessions_last` ON `_cot_sessions` (`last_logged_at`);--> statement-breakpoint
-- Append-only in the database itself, whatever path a write takes (the SQL API refuses writes to `_`
-- tables before they get here; these catch everything else).
CREATE TRIGGER `_cot_no_update` BEFORE UPDATE ON `_cot` BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `_cot_no_delete` BEFORE DELETE ON `_cot` BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `_cot_sessions_no_delete` BEFORE DELETE ON `_cot_sessions` BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;--> statement-breakpoint
-- A session's head only moves forward.
CREATE TRIGGER `_cot_sessions_forward` BEFORE UPDATE ON `_cot_sessions` WHEN NEW.steps <= OLD.steps OR NEW.session_id <> OLD.session_id OR NEW.agent_id <> OLD.agent_id OR NEW.first_logged_at <> OLD.first_logged_at BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
