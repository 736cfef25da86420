-- Keyword search over memories (BM25 through FTS5). memory_id is kept beside the text so a search joins
-- by id; rows are found by rowid, and the trigger checks both so it can never remove another memory's row.
CREATE VIRTUAL TABLE `_memory_fts` USING fts5(memory_id UNINDEXED, content, tokenize = 'porter unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `_memory_fts_insert` AFTER INSERT ON `_memory` BEGIN
  INSERT INTO `_memory_fts` (rowid, memory_id, content) VALUES (new.rowid, new.memory_id, new.content);
END;
--> statement-breakpoint
CREATE TRIGGER `_memory_fts_delete` AFTER DELETE ON `_memory` BEGIN
  DELETE FROM `_memory_fts` WHERE rowid = old.rowid AND memory_id = old.memory_id;
END;
--> statement-breakpoint
CREATE TRIGGER `_memory_fts_update` AFTER UPDATE OF content ON `_memory` BEGIN
  DELETE FROM `_memory_fts` WHERE rowid = old.rowid AND memory_id = old.memory_id;
  INSERT INTO `_memory_fts` (rowid, memory_id, content) VALUES (new.rowid, new.memory_id, new.content);
END;
