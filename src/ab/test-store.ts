import { and, desc, eq, lt, sql } from "drizzle-orm";
import { auditWhere } from "../audit/audit-log";
import { parseVersion } from "../catalog/references";
import { inJsonList } from "../catalog/versions";
import type { Database } from "../db/client";
import { abTestArms, abTests, agentVersions, agents } from "../db/schema";
import { ApiError, type FieldIssue } from "../http/errors";
import { decodeCursor, page } from "../lib/cursor";
import { newId } from "../lib/ids";
import type { ArmAggregate } from "./arm-aggregate";
import { DEFAULT_MIN_SAMPLES } from "./gates";
import type { AbMetric } from "./metrics";
import type { CreateAbTest } from "./schemas";

// A/B tests in D1: create (one running test per agent, race-safe), read with both arms, list, and the
// running tests of a set of agents (what a run's start reads).

export type AbTestRow = typeof abTests.$inferSelect;
export type AbArmRow = typeof abTestArms.$inferSelect;
export type Arm = "a" | "b";

/** A test with both arms' aggregate rows. */
export interface StoredAbTest {
  test: AbTestRow;
  arms: { a: AbArmRow; b: AbArmRow };
}

export interface Actor {
  agentId: string;
  requestId?: string;
}

const DAY_MS = 86_400_000;

export const testMetrics = (test: AbTestRow): AbMetric[] => JSON.parse(test.metrics) as AbMetric[];

/** An arm's row as the statistics take it. */
export function armAggregate(row: AbArmRow): ArmAggregate {
  return {
    assigned: row.assigned,
    samples: row.samples,
    successes: row.successes,
    duration_ms: { count: row.durationCount, mean: row.durationMean, m2: row.durationM2 },
    token_usage: { count: row.tokensCount, mean: row.tokensMean, m2: row.tokensM2 },
    rated: row.rated,
    up: row.up,
  };
}

function pairArms(test: AbTestRow, rows: readonly AbArmRow[]): StoredAbTest {
  const a = rows.find((r) => r.abTestId === test.abTestId && r.arm === "a");
  const b = rows.find((r) => r.abTestId === test.abTestId && r.arm === "b");
  // Both arms are inserted in the same batch as the test; one missing is a broken database, not a user error.
  if (!a || !b) throw new Error(`A/B test ${test.abTestId} is missing an arm row`);
  return { test, arms: { a, b } };
}

/**
 * The published versions the test names, as published (build metadata and all). Each must exist and not
 * be deprecated: a deprecated version may not be given new traffic. 400 naming every problem.
 */
async function checkVersions(db: Database, spec: CreateAbTest): Promise<{ a: string; b: string }> {
  const issues: FieldIssue[] = [];
  const keys: Partial<Record<Arm, string>> = {};
  for (const arm of ["a", "b"] as const) {
    const parsed = parseVersion(spec.versions[arm]);
    if (!parsed) issues.push({ path: `versions.${arm}`, message: `'${spec.versions[arm]}' is not a semver 2.0 version (1.2.0, 1.3.0-beta)` });
    else keys[arm] = parsed.key;
  }
  if (keys.a !== undefined && keys.a === keys.b) issues.push({ path: "versions.b", message: "is the same version as a: compare two different versions" });
  const [registered, versions] = await db.batch([
    db.select({ agentId: agents.agentId }).from(agents).where(eq(agents.agentId, spec.agent)),
    db
      .select({ version: agentVersions.version, versionKey: agentVersions.versionKey, deprecated: agentVersions.deprecated })
      .from(agentVersions)
      .where(and(eq(agentVersions.agentId, spec.agent), inJsonList(agentVersions.versionKey, Object.values(keys)))),
  ]);
  if (registered.length === 0) issues.unshift({ path: "agent", message: `agent '${spec.agent}' is not registered: register it (POST /v1/agents) and publish its versions first` });
  const found: Partial<Record<Arm, string>> = {};
  if (registered.length > 0)
    for (const arm of ["a", "b"] as const) {
      const key = keys[arm];
      if (key === undefined) continue;
      const version = versions.find((v) => v.versionKey === key);
      if (!version) issues.push({ path: `versions.${arm}`, message: `${spec.agent} has no version ${spec.versions[arm]}: publish it first (POST /v1/agents/${spec.agent}/versions)` });
      else if (version.deprecated) issues.push({ path: `versions.${arm}`, message: `${spec.agent}@${version.version} is deprecated and may not be given new traffic` });
      else found[arm] = version.version;
    }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new ApiError("invalid_request", `Invalid A/B test: ${first.path} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`, issues);
  }
  return { a: found.a as string, b: found.b as string };
}

/**
 * Starts a test. The test, its two arms and the audit row land together or not at all; of concurrent
 * creations for one agent exactly one inserts (the partial unique index on running tests), and the others
 * are 409 with nothing stored.
 */
export async function createTest(db: Database, spec: CreateAbTest, actor: Actor, nowMs = Date.now()): Promise<StoredAbTest> {
  const versions = await checkVersions(db, spec);
  const id = newId("ab");
  const row: AbTestRow = {
    abTestId: id,
    agentId: spec.agent,
    versionA: versions.a,
    versionB: versions.b,
    splitA: spec.traffic_split.a,
    splitB: spec.traffic_split.b,
    metrics: JSON.stringify(spec.metrics),
    durationDays: spec.duration_days ?? null,
    minSamples: spec.min_samples ?? DEFAULT_MIN_SAMPLES,
    sequential: spec.sequential ?? true,
    autoRollback: spec.auto_rollback ?? false,
    status: "running",
    startedAt: new Date(nowMs).toISOString(),
    endsAt: spec.duration_days === undefined ? null : new Date(nowMs + spec.duration_days * DAY_MS).toISOString(),
    endedAt: null,
    endedBy: null,
    endReason: null,
    createdBy: actor.agentId,
  };
  // The id is fresh, so "the test row exists" is exactly "the insert above happened".
  const inserted = sql`EXISTS (SELECT 1 FROM _ab_tests WHERE ab_test_id = ${id})`;
  const [tests] = await db.batch([
    db.insert(abTests).values(row).onConflictDoNothing().returning({ id: abTests.abTestId }),
    db.insert(abTestArms).select(sql`SELECT ${id}, 'a', ${versions.a}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 WHERE ${inserted}`),
    db.insert(abTestArms).select(sql`SELECT ${id}, 'b', ${versions.b}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 WHERE ${inserted}`),
    auditWhere(
      db,
      {
        ...actor,
        action: "ab:create",
        resource: `ab:${id}`,
        status: "success",
        details: { agent: spec.agent, versions, traffic_split: spec.traffic_split, metrics: spec.metrics, duration_days: row.durationDays, auto_rollback: row.autoRollback },
      },
      inserted,
    ),
  ]);
  if (tests.length === 0) {
    const [running] = await db.select({ id: abTests.abTestId }).from(abTests).where(and(eq(abTests.agentId, spec.agent), eq(abTests.status, "running")));
    throw new ApiError(
      "conflict",
      `Agent '${spec.agent}' already has a running A/B test${running ? ` (${running.id})` : ""}; stop or promote it before starting another.`,
      running ? { ab_test_id: running.id } : undefined,
    );
  }
  return (await findTest(db, id)) as StoredAbTest;
}

/** A test and its arms, in one round trip; undefined when there is none. */
export async function findTest(db: Database, id: string): Promise<StoredAbTest | undefined> {
  const [tests, arms] = await db.batch([db.select().from(abTests).where(eq(abTests.abTestId, id)), db.select().from(abTestArms).where(eq(abTestArms.abTestId, id))]);
  const test = tests[0];
  return test ? pairArms(test, arms) : undefined;
}

export async function requireTest(db: Database, id: string): Promise<StoredAbTest> {
  const found = await findTest(db, id);
  if (!found) throw new ApiError("not_found", `A/B test '${id}' does not exist.`);
  return found;
}

/** One page of tests, newest first (ids sort by creation time). */
export async function listTests(db: Database, filter: { agent?: string; status?: AbTestRow["status"]; limit: number; cursor?: string }) {
  const after = decodeCursor(filter.cursor);
  const conditions = [
    filter.agent === undefined ? undefined : eq(abTests.agentId, filter.agent),
    filter.status === undefined ? undefined : eq(abTests.status, filter.status),
    after === undefined ? undefined : lt(abTests.abTestId, after),
  ];
  const tests = await db
    .select()
    .from(abTests)
    .where(and(...conditions))
    .orderBy(desc(abTests.abTestId))
    .limit(filter.limit + 1);
  const result = page(tests, filter.limit, (t) => t.abTestId);
  if (result.items.length === 0) return { items: [], next_cursor: result.next_cursor };
  const arms = await db.select().from(abTestArms).where(inJsonList(abTestArms.abTestId, result.items.map((t) => t.abTestId)));
  return { items: result.items.map((t) => pairArms(t, arms)), next_cursor: result.next_cursor };
}

/** The running tests of these agents (at most one each): the query a run's start batches with its catalog read. */
export const runningTestsQuery = (db: Database, agentIds: readonly string[]) =>
  db
    .select()
    .from(abTests)
    .where(and(eq(abTests.status, "running"), inJsonList(abTests.agentId, agentIds)));

/** Running tests whose `ends_at` has passed. */
export const dueTestsQuery = (db: Database, nowIso: string, agentId?: string) =>
  db
    .select()
    .from(abTests)
    .where(and(eq(abTests.status, "running"), sql`${abTests.endsAt} <= ${nowIso}`, agentId === undefined ? undefined : eq(abTests.agentId, agentId)));
