-- One token that changes whenever anything a run's start reads changes: a workflow or its revisions, an
-- agent or its versions, an A/B test. Authentication reads it with the caller's key, so a Worker can keep
-- the current revision, the resolved versions and the running tests of a workflow between requests and
-- know on the very next request that they are stale. Kept by triggers, so no write path can forget it.
CREATE TABLE `_catalog_version` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `_catalog_version` (`id`, `version`) VALUES (1, lower(hex(randomblob(8))));
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_workflows_insert` AFTER INSERT ON `_workflows` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_workflows_update` AFTER UPDATE ON `_workflows` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_workflows_delete` AFTER DELETE ON `_workflows` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_versions_insert` AFTER INSERT ON `_agent_versions` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_versions_update` AFTER UPDATE ON `_agent_versions` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_versions_delete` AFTER DELETE ON `_agent_versions` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_agents_insert` AFTER INSERT ON `_agents` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_agents_delete` AFTER DELETE ON `_agents` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_tests_insert` AFTER INSERT ON `_ab_tests` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_tests_update` AFTER UPDATE ON `_ab_tests` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `_catalog_version_tests_delete` AFTER DELETE ON `_ab_tests` BEGIN UPDATE `_catalog_version` SET `version` = lower(hex(randomblob(8))) WHERE `id` = 1; END;
