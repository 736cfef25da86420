-- Semantic triggers (api-v1.md, "Semantic triggers"). Hand-written: see README, "Development".

-- The definitions, readable with SQL. `action` is JSON without the webhook secret (that lives in
-- _trigger_secrets, like key hashes live apart from _agents); `namespaces` is a JSON array or NULL (all).
CREATE TABLE `_triggers` (
  `trigger_id` text PRIMARY KEY NOT NULL,
  `name` text NOT NULL,
  `description` text,
  `concept` text NOT NULL,
  `threshold` real NOT NULL,
  `action` text NOT NULL,
  `cooldown_seconds` integer DEFAULT 0 NOT NULL,
  `namespaces` text,
  `enabled` integer DEFAULT 1 NOT NULL,
  `created_by` text NOT NULL,
  `created_at` text NOT NULL,
  `updated_at` text NOT NULL,
  `last_fired_at` text
);
CREATE INDEX `_triggers_enabled` ON `_triggers` (`enabled`);

-- The concept's embedding (Float32, little-endian), made once when the concept is set.
CREATE TABLE `_trigger_vectors` (
  `trigger_id` text PRIMARY KEY NOT NULL,
  `model` text NOT NULL,
  `vector` blob NOT NULL
);

-- Webhook signing secrets: never returned by the API, never readable with SQL.
CREATE TABLE `_trigger_secrets` (
  `trigger_id` text PRIMARY KEY NOT NULL,
  `secret` text NOT NULL
);

-- One row, bumped by every change to a trigger definition: isolates cache the enabled triggers and
-- reload only when the version a store saw is newer than theirs.
CREATE TABLE `_trigger_version` (
  `id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
  `version` integer NOT NULL
);
INSERT INTO `_trigger_version` (`id`, `version`) VALUES (1, 0);

-- Memories stored while an enabled trigger existed, written in the store's own transaction and removed
-- once matched: what the request did not finish matching, the cron does.
CREATE TABLE `_trigger_outbox` (
  `memory_id` text PRIMARY KEY NOT NULL,
  `namespace` text NOT NULL,
  `trigger_version` integer NOT NULL,
  `created_at` text NOT NULL
);

-- One row per firing: the cooldown claim and this row are written together, so a firing that was decided
-- is never lost; (trigger_id, memory_id) is unique, so one store never fires a trigger twice.
CREATE TABLE `_trigger_firings` (
  `notification_id` text PRIMARY KEY NOT NULL,
  `trigger_id` text NOT NULL,
  `trigger_name` text NOT NULL,
  `memory_id` text NOT NULL,
  `agent_id` text NOT NULL,
  `score` real NOT NULL,
  `action_type` text NOT NULL,
  `target_agent_id` text,
  `status` text DEFAULT 'pending' NOT NULL,
  `created_at` text NOT NULL,
  `dispatched_at` text
);
CREATE UNIQUE INDEX `_trigger_firings_once` ON `_trigger_firings` (`trigger_id`, `memory_id`);
CREATE INDEX `_trigger_firings_pending` ON `_trigger_firings` (`created_at`) WHERE `status` = 'pending';

-- Webhook deliveries: pending → succeeded, or failed (retrying) → dead after the last attempt.
CREATE TABLE `_webhook_deliveries` (
  `delivery_id` text PRIMARY KEY NOT NULL,
  `notification_id` text NOT NULL,
  `trigger_id` text NOT NULL,
  `url` text NOT NULL,
  `payload` text NOT NULL,
  `status` text DEFAULT 'pending' NOT NULL,
  `attempts` integer DEFAULT 0 NOT NULL,
  `last_status_code` integer,
  `last_error` text,
  `created_at` text NOT NULL,
  `updated_at` text NOT NULL
);
CREATE UNIQUE INDEX `_webhook_deliveries_notification` ON `_webhook_deliveries` (`notification_id`);
CREATE INDEX `_webhook_deliveries_status` ON `_webhook_deliveries` (`status`, `delivery_id`);
