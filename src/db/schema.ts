// The D1 tables. Names starting with "_" are system tables: users read them with SQL, never write them.
// Timestamps are ISO-8601 text (see lib/time.ts) so SQL compares them as text.
// One file per domain under schema/; drizzle (and drizzle-kit, see drizzle.config.ts) read them all from here.

export * from "./schema/foundation";
export * from "./schema/policies";
export * from "./schema/cot";
export * from "./schema/triggers";
export * from "./schema/branches";
export * from "./schema/runs";
export * from "./schema/catalog";
export * from "./schema/guard-rails";
export * from "./schema/observability";
export * from "./schema/ab-tests";
export * from "./schema/events";
export * from "./schema/lifecycle";
