// The FTS5 table behind keyword search, declared for typed queries only: it is created by the hand-written
// migration 0001_memory_fts.sql (drizzle-kit cannot express virtual tables), so it is kept out of schema.ts.
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

export const memoryFts = sqliteTable("_memory_fts", {
  memoryId: text("memory_id").notNull(),
  content: text("content").notNull(),
});
