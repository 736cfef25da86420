import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// ---- A/B tests of agent versions (migration 0011_ab_tests.sql) ----

export const AB_TEST_STATUSES = ["running", "completed", "stopped", "rolled_back", "promoted"] as const;

/** One A/B test of two versions of an agent; at most one `running` per agent (a partial unique index). */
export const abTests = sqliteTable(
  "_ab_tests",
  {
    abTestId: text("ab_test_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    versionA: text("version_a").notNull(),
    versionB: text("version_b").notNull(),
    splitA: real("split_a").notNull(),
    splitB: real("split_b").notNull(),
    /** JSON array of metric names, in the order given. */
    metrics: text("metrics").notNull(),
    durationDays: real("duration_days"),
    minSamples: integer("min_samples").notNull(),
    sequential: integer("sequential", { mode: "boolean" }).notNull(),
    autoRollback: integer("auto_rollback", { mode: "boolean" }).notNull(),
    status: text("status", { enum: AB_TEST_STATUSES }).notNull(),
    startedAt: text("started_at").notNull(),
    endsAt: text("ends_at"),
    endedAt: text("ended_at"),
    endedBy: text("ended_by"),
    endReason: text("end_reason"),
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    uniqueIndex("_ab_tests_running_agent").on(t.agentId).where(sql`status = 'running'`),
    index("_ab_tests_agent").on(t.agentId, t.abTestId),
    index("_ab_tests_running_ends").on(t.endsAt).where(sql`status = 'running'`),
  ],
);

/** Each arm's aggregates: counts and Welford moments, updated in single statements as things happen. */
export const abTestArms = sqliteTable(
  "_ab_test_arms",
  {
    abTestId: text("ab_test_id").notNull(),
    arm: text("arm", { enum: ["a", "b"] }).notNull(),
    version: text("version").notNull(),
    assigned: integer("assigned").notNull().default(0),
    samples: integer("samples").notNull().default(0),
    successes: integer("successes").notNull().default(0),
    durationCount: integer("duration_count").notNull().default(0),
    durationMean: real("duration_mean").notNull().default(0),
    durationM2: real("duration_m2").notNull().default(0),
    tokensCount: integer("tokens_count").notNull().default(0),
    tokensMean: real("tokens_mean").notNull().default(0),
    tokensM2: real("tokens_m2").notNull().default(0),
    rated: integer("rated").notNull().default(0),
    up: integer("up").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.abTestId, t.arm] })],
);

/** The arm each run was given by each test; its key makes a retried start count once. */
export const abAssignments = sqliteTable(
  "_ab_assignments",
  {
    abTestId: text("ab_test_id").notNull(),
    runId: text("run_id").notNull(),
    arm: text("arm", { enum: ["a", "b"] }).notNull(),
    assignedAt: text("assigned_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.abTestId, t.runId] })],
);
