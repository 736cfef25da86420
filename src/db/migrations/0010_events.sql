-- Events, event types and the subscriptions that route them to workflows (api-v1-coordination.md,
-- "Events", "Event-driven", "Lifecycle triggers"). Hand-written: see README, "Development".
-- `_events`, `_event_decisions` and `_event_types` are readable (never writable) with SQL.

-- Registered event types: a JSON Schema per type. `version` grows with each change, so filters compiled
-- against an older schema (ordered levels) are compiled again.
CREATE TABLE `_event_types` (
	`type` text PRIMARY KEY NOT NULL,
	`schema` text NOT NULL,
	`description` text,
	`version` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
-- Which workflow listens to which event type, and through what: an event-driven entry or an event
-- trigger. Rewritten in the same batch as each revision is saved or a workflow deleted, so matching an
-- event reads the rows of its type only, never every workflow.
CREATE TABLE `_event_subscriptions` (
	`workflow` text NOT NULL,
	`source` text NOT NULL,
	`event_type` text NOT NULL,
	`revision` integer NOT NULL,
	`kind` text NOT NULL,
	`pattern_index` integer,
	`entry_index` integer,
	`trigger_index` integer,
	`filter` text,
	PRIMARY KEY(`workflow`, `source`)
);
--> statement-breakpoint
CREATE INDEX `_event_subscriptions_type` ON `_event_subscriptions` (`event_type`);
--> statement-breakpoint
-- One row, given a new random version by every change to subscriptions or event types: isolates keep
-- what they read of both and read again only when the version they see differs.
CREATE TABLE `_event_routing` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`version` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `_event_routing` (`id`, `version`) VALUES (1, 'initial');
--> statement-breakpoint
-- Every event received, accepted or rejected (with why). `event_id` is the producer's or ours; a
-- repeat within EVENT_DEDUPE_SECONDS is a duplicate and changes nothing.
CREATE TABLE `_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`source` text,
	`data` text,
	`time` text NOT NULL,
	`received_at` text NOT NULL,
	`status` text NOT NULL,
	`rejection` text,
	`publisher` text NOT NULL,
	`published_by` text NOT NULL,
	`depth` integer DEFAULT 0 NOT NULL,
	`caused_by` text
);
--> statement-breakpoint
CREATE INDEX `_events_received` ON `_events` (`received_at`, `event_id`);
--> statement-breakpoint
CREATE INDEX `_events_type_received` ON `_events` (`type`, `received_at`, `event_id`);
--> statement-breakpoint
-- For each event, one decision per subscribed workflow: matched or not, why (each entry and trigger,
-- its filter, what it saw), and the run it started. The run id is chosen with the decision, so a
-- duplicate answers it and a start the request did not finish is made by the cron with the same id.
CREATE TABLE `_event_decisions` (
	`event_id` text NOT NULL,
	`workflow` text NOT NULL,
	`revision` integer NOT NULL,
	`matched` integer NOT NULL,
	`reason` text NOT NULL,
	`entries` text NOT NULL,
	`run_id` text,
	`run_matched` text,
	`run_error` text,
	`decided_at` text NOT NULL,
	PRIMARY KEY(`event_id`, `workflow`)
);
--> statement-breakpoint
CREATE INDEX `_event_decisions_pending` ON `_event_decisions` (`decided_at`) WHERE `run_id` IS NOT NULL AND `run_error` IS NULL;
--> statement-breakpoint
-- Semantic triggers may emit an event (`{type: "emit_event", event_type}`): its type, with the firing.
ALTER TABLE `_trigger_firings` ADD COLUMN `event_type` text;
