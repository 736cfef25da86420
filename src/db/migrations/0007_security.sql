-- Security and availability of the data layer (issue 11).

-- A response that carried a secret (an API key) is remembered without it; this says a secret was taken
-- out, so a retry is told so instead of being replayed.
ALTER TABLE `_idempotency_keys` ADD `secret_withheld` integer DEFAULT false NOT NULL;
--> statement-breakpoint
-- Keys issued before this migration were remembered whole: forget those responses (the keys stay valid).
DELETE FROM `_idempotency_keys` WHERE `response_body` LIKE '%"api_key"%';
--> statement-breakpoint
-- Whose trigger a delivery belongs to, kept on the delivery so it outlives the trigger: an agent lists and
-- replays only its own deliveries.
ALTER TABLE `_webhook_deliveries` ADD `created_by` text;
--> statement-breakpoint
UPDATE `_webhook_deliveries` SET `created_by` = (SELECT `created_by` FROM `_triggers` WHERE `_triggers`.`trigger_id` = `_webhook_deliveries`.`trigger_id`);
--> statement-breakpoint
CREATE INDEX `_webhook_deliveries_owner` ON `_webhook_deliveries` (`created_by`,`delivery_id`);
--> statement-breakpoint
-- Audit rows are shown per resource (a table's rows to those who may read it): the row rule lists the
-- resources that occur without scanning the log.
CREATE INDEX `_audit_log_resource` ON `_audit_log` (`resource`,`at`);
--> statement-breakpoint
-- Audit rows of SQL writes kept the statement with its literal values (an INSERT's salaries, say); they now
-- keep it with placeholders and a hash. The old texts cannot be rewritten here, so they are removed.
UPDATE `_audit_log` SET `details` = json_remove(`details`, '$.sql')
 WHERE `action` = 'query:write' AND json_valid(`details`) AND json_type(`details`, '$.sql') IS NOT NULL;
