import { sha256Hex } from "../lib/crypto";
import type { AgentReference } from "../catalog/resolve";
import type { Database } from "../db/client";
import { currentTest } from "./test-lifecycle";
import { type AbTestRow, type Arm, findTest, runningTestsQuery } from "./test-store";

// Which arm a run gets. While a test runs, a run that resolves its agent's `latest` gets a or b by a
// stable hash of (test id, run id) against the split; exact pins and ranges are never touched. The arm
// is counted when it is chosen, before any task exists, so that a version whose tasks crash or never
// finish still shows its share of runs (the sample-ratio check compares those counts with the split).

const TWO_TO_52 = 2 ** 52;

/**
 * A uniform number in [0, 100) for (test, run): the first 52 bits of SHA-256 over both ids, which a
 * double holds exactly. The same run always lands in the same place, and different tests split the same
 * runs independently.
 */
export function assignmentBucket(testId: string, runId: string): number {
  const bits = Number.parseInt(sha256Hex(`${testId}\n${runId}`).slice(0, 13), 16);
  return (bits / TWO_TO_52) * 100;
}

/** The arm a bucket falls in: a takes [0, a's share), b the rest. */
export function armForBucket(bucket: number, split: { a: number; b: number }): Arm {
  return bucket < (split.a / (split.a + split.b)) * 100 ? "a" : "b";
}

export const armOf = (test: Pick<AbTestRow, "abTestId" | "splitA" | "splitB">, runId: string): Arm =>
  armForBucket(assignmentBucket(test.abTestId, runId), { a: test.splitA, b: test.splitB });

/** What an A/B test decided for one agent of a run. */
export interface ArmChoice {
  ab_test_id: string;
  arm: Arm;
  version: string;
}

// One statement each: the arms' counts go up by one for every (test, arm) this run got, unless the run
// was counted already (a retried start of the same run id); then the run's rows are recorded. In one
// batch, so both happen or neither, and concurrent starts never lose an increment.
const COUNT_ASSIGNMENTS = `UPDATE _ab_test_arms SET assigned = assigned + 1
  WHERE (ab_test_id, arm) IN (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)
    WHERE NOT EXISTS (SELECT 1 FROM _ab_assignments x WHERE x.ab_test_id = json_extract(value, '$[0]') AND x.run_id = ?2))`;
const RECORD_ASSIGNMENTS = `INSERT OR IGNORE INTO _ab_assignments (ab_test_id, run_id, arm, assigned_at)
  SELECT json_extract(value, '$[0]'), ?2, json_extract(value, '$[1]'), ?3 FROM json_each(?1)`;

/** Records that `runId` got these arms (idempotent per run and test). */
export async function recordAssignments(d1: D1Database, runId: string, choices: readonly ArmChoice[], nowMs = Date.now()): Promise<void> {
  if (choices.length === 0) return;
  const pairs = JSON.stringify(choices.map((c) => [c.ab_test_id, c.arm]));
  const at = new Date(nowMs).toISOString();
  await d1.batch([d1.prepare(COUNT_ASSIGNMENTS).bind(pairs, runId), d1.prepare(RECORD_ASSIGNMENTS).bind(pairs, runId, at)]);
}

/**
 * The arms of a run's agents: for each agent referenced as `latest` whose test is running, a or b. A
 * test found past its `ends_at` is completed on the spot (what the minute sweep would do) and the agent
 * is pinned to a, uncounted. One D1 read, of running tests of those agents only (a partial index).
 */
export async function chooseArms(db: Database, refs: readonly AgentReference[], runId: string, nowMs = Date.now()): Promise<Map<string, ArmChoice | { ended: string }>> {
  const latest = latestAgents(refs);
  if (latest.length === 0) return new Map();
  return chooseArmsFrom(db, await runningTestsQuery(db, latest), refs, runId, nowMs);
}

/** The agents a test can split: those referenced as `latest` (pins and ranges are never touched). */
export const latestAgents = (refs: readonly AgentReference[]) => refs.filter((r) => r.version === "latest").map((r) => r.name);

/**
 * The arms of a run from the running tests of its `latest` agents (read now, or kept since the catalog's
 * version last changed). A test past its `duration_days` is ended here, on the way, and sends the run to a.
 */
export async function chooseArmsFrom(db: Database, running: readonly AbTestRow[], refs: readonly AgentReference[], runId: string, nowMs = Date.now()): Promise<Map<string, ArmChoice | { ended: string }>> {
  const latest = new Set(latestAgents(refs));
  const choices = new Map<string, ArmChoice | { ended: string }>();
  const nowIso = new Date(nowMs).toISOString();
  for (const test of running) {
    if (!latest.has(test.agentId)) continue;
    if (test.endsAt !== null && test.endsAt <= nowIso) {
      const stored = await findTest(db, test.abTestId);
      if (stored) await currentTest(db, stored, nowMs);
      choices.set(test.agentId, { ended: test.versionA });
      continue;
    }
    const arm = armOf(test, runId);
    choices.set(test.agentId, { ab_test_id: test.abTestId, arm, version: arm === "a" ? test.versionA : test.versionB });
  }
  return choices;
}
